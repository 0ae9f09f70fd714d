package dev.imagegate.tags;

import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Not ready without a crane that answers: every tag lookup would fail. */
class CraneHealthIndicatorTest {

    private final CraneHealthIndicator crane = new CraneHealthIndicator();

    @Test
    void downUntilCraneHasAnswered() {
        assertThat(crane.health().getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void upWithItsVersionOnceItAnswers() throws IOException {
        crane.update(result(0, "v0.22.1\n"));

        assertThat(crane.health().getStatus()).isEqualTo(Status.UP);
        assertThat(crane.health().getDetails()).containsEntry("version", "v0.22.1");
    }

    @Test
    void downWhenItFailsOrCannotRun() throws IOException {
        crane.update(result(0, "v0.22.1\n"));
        crane.update(result(2, ""));
        assertThat(crane.health().getStatus()).isEqualTo(Status.DOWN);

        crane.failed(new IOException("Cannot run program \"crane\": error=2, No such file or directory"));
        assertThat(crane.health().getDetails()).containsEntry("reason",
                "could not run crane: Cannot run program \"crane\": error=2, No such file or directory");
    }

    private static ExecResult result(int exit, String stdout) {
        ExecCommand command = new ExecCommand("crane", List.of("version"), null, 10_000L, Set.of(), null, null, false, LoggingLevel.OFF);
        return new ExecResult(command, new ByteArrayInputStream(stdout.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream(new byte[0]), exit);
    }
}
