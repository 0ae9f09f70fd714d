package dev.imagegate.scan.trivy;

import dev.imagegate.process.BoundedProcessExecutor;
import org.springframework.stereotype.Component;

import java.util.Map;

/** Runs trivy with the environment {@link TrivyCommand} builds and a report no larger than configured. */
@Component
public class TrivyProcessExecutor extends BoundedProcessExecutor {

    private final TrivyCommand command;

    public TrivyProcessExecutor(TrivyCommand command, TrivyProperties properties) {
        super(properties.maxReportSize().toBytes());
        this.command = command;
    }

    @Override
    protected Map<String, String> environment() {
        return command.environment(System.getenv());
    }
}
