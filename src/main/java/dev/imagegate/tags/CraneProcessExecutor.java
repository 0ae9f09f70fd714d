package dev.imagegate.tags;

import dev.imagegate.process.BoundedProcessExecutor;
import org.springframework.stereotype.Component;

import java.util.Map;

/** Runs crane with the environment {@link CraneCommand} builds; crane prints one line, so little is kept. */
@Component
public class CraneProcessExecutor extends BoundedProcessExecutor {

    private static final long OUTPUT_LIMIT = 64 * 1024;

    private final CraneCommand command;

    public CraneProcessExecutor(CraneCommand command) {
        super(OUTPUT_LIMIT);
        this.command = command;
    }

    @Override
    protected Map<String, String> environment() {
        return command.environment(System.getenv());
    }
}
