package dev.imagegate.signature;

import dev.imagegate.process.BoundedProcessExecutor;
import org.springframework.stereotype.Component;

import java.util.Map;

/** Runs cosign with the environment {@link CosignCommand} builds; its verified payloads are small, so little is kept. */
@Component
public class CosignProcessExecutor extends BoundedProcessExecutor {

    private static final long OUTPUT_LIMIT = 64 * 1024;

    private final CosignCommand command;

    public CosignProcessExecutor(CosignCommand command) {
        super(OUTPUT_LIMIT);
        this.command = command;
    }

    @Override
    protected Map<String, String> environment() {
        return command.environment(System.getenv());
    }
}
