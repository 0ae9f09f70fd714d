package dev.imagegate.tags;

import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyProperties;
import dev.imagegate.support.CraneDouble;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the test-double crane as a real process: the password travels on stdin, never in argv or the environment. */
class CraneProcessExecutorTest {

    @TempDir
    Path dir;

    @Test
    void givesThePasswordOnStdinAndCranesOwnEnvironment() throws IOException {
        Path environmentFile = dir.resolve("env");
        CraneCommand command = new CraneCommand(new TrivyCommand(new TrivyProperties("trivy", Duration.ofMinutes(5), null,
                null, null, null, false, null, Map.of("TRIVY_USERNAME", "robot", "TRIVY_PASSWORD", "s3cret",
                "TRIVY_DOUBLE_CRANE_ENV", environmentFile.toString()), DataSize.ofMegabytes(32), Duration.ofDays(7))));
        CraneProcessExecutor executor = new CraneProcessExecutor(command);
        List<String> login = command.loginArguments("registry.test");

        ExecResult result = executor.execute(new ExecCommand(CraneDouble.COMMAND, login, dir.toString(), 10_000L, Set.of(),
                new ByteArrayInputStream(command.password().getBytes(StandardCharsets.UTF_8)), null, false, LoggingLevel.OFF));

        assertThat(result.getExitValue()).isZero();
        assertThat(login).doesNotContain("s3cret");
        List<String> environment = Files.readAllLines(environmentFile);
        assertThat(environment).noneMatch(line -> line.contains("s3cret"));
        Path dockerConfig = Path.of(environment.stream().filter(line -> line.startsWith("DOCKER_CONFIG="))
                .findFirst().orElseThrow().substring("DOCKER_CONFIG=".length()));
        assertThat(dockerConfig.resolve("double-logins")).hasContent("registry.test robot:s3cret");
        command.deletePrivateDockerConfig();
    }
}
