package dev.imagegate.tags;

import org.apache.camel.component.exec.ExecResult;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Ready to review only when crane answers {@code crane version} (the {@code crane-version} route asks every
 * 5 minutes): without crane no tag can be looked up, and every tagged image would be a scan error.
 */
@Component("crane")
public class CraneHealthIndicator implements HealthIndicator {

    private volatile Health health = Health.down().withDetail("reason", "crane has not answered 'crane version' yet").build();

    public void update(ExecResult result) throws IOException {
        if (result.getExitValue() == 0) {
            health = Health.up().withDetail("version", new String(result.getStdout().readAllBytes(), StandardCharsets.UTF_8).trim())
                    .build();
        } else {
            health = Health.down().withDetail("reason", "crane version failed (exit " + result.getExitValue() + ")").build();
        }
    }

    public void failed(Exception exception) {
        health = Health.down().withDetail("reason", "could not run crane: " + exception.getMessage()).build();
    }

    @Override
    public Health health() {
        return health;
    }
}
