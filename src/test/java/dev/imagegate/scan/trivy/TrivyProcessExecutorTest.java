package dev.imagegate.scan.trivy;

import dev.imagegate.support.TrivyDouble;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs real processes: the test-double trivy and a few shell one-liners standing in for a misbehaving trivy. */
class TrivyProcessExecutorTest {

    @TempDir
    Path dir;

    @Test
    void runsTheCommandWithoutAShellInTheGivenDirectoryWithAControlledEnvironment() throws IOException {
        Path envFile = dir.resolve("env");
        TrivyProcessExecutor executor = executor(Map.of("TRIVY_DOUBLE_ENV", envFile.toString()), DataSize.ofMegabytes(1));

        ExecResult result = executor.execute(command(TrivyDouble.COMMAND, List.of("image", "registry.test/x/$(touch pwned)"), 10_000));

        assertThat(result.getExitValue()).isEqualTo(1);
        assertThat(new String(result.getStderr().readAllBytes(), StandardCharsets.UTF_8))
                .contains("unable to find the specified image \"registry.test/x/$(touch pwned)\"");
        assertThat(dir.resolve("pwned")).doesNotExist();
        List<String> env = Files.readAllLines(envFile);
        assertThat(env).contains("TRIVY_SKIP_VERSION_CHECK=true", "TRIVY_DISABLE_TELEMETRY=true", "PWD=" + dir);
        assertThat(env).noneMatch(line -> line.startsWith("JAVA_HOME=") || line.startsWith("MAVEN_"));
    }

    @Test
    void killsTheProcessTreeAtTheTimeout() throws IOException {
        long started = System.nanoTime();

        ExecResult result = executor(Map.of(), DataSize.ofMegabytes(1))
                .execute(command("/bin/sh", List.of("-c", "sleep 30 & sleep 30; wait"), 500));

        assertThat(result.getExitValue()).isEqualTo(TrivyProcessExecutor.KILLED_ON_TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void boundsWhatItKeepsOfStdoutAndStderr() throws IOException {
        ExecResult result = executor(Map.of(), DataSize.ofKilobytes(64)).execute(command("/bin/sh",
                List.of("-c", "head -c 10000000 /dev/zero; head -c 10000000 /dev/zero >&2"), 30_000));

        assertThat(result.getExitValue()).isEqualTo(TrivyProcessExecutor.REPORT_TOO_LARGE);
        assertThat(result.getStdout().readAllBytes()).hasSize(64 * 1024);
        assertThat(result.getStderr().readAllBytes()).hasSize(TrivyProcessExecutor.STDERR_LIMIT);
    }

    private TrivyProcessExecutor executor(Map<String, String> environment, DataSize maxReport) {
        TrivyProperties properties = new TrivyProperties("trivy", Duration.ofMinutes(5), null, null, null, null, false,
                null, environment, maxReport, Duration.ofDays(7));
        return new TrivyProcessExecutor(new TrivyCommand(properties), properties);
    }

    private ExecCommand command(String executable, List<String> args, long timeoutMillis) {
        return new ExecCommand(executable, args, dir.toString(), timeoutMillis, Set.of(), null, null, false, LoggingLevel.OFF);
    }
}
