package dev.imagegate.tags;

import dev.imagegate.process.BoundedProcessExecutor;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What crane's exit value and output mean, as crane v0.22.1 prints them. */
class CraneOutputTest {

    private final CraneOutput output = new CraneOutput(new CraneProperties("crane", Duration.ofSeconds(10), 4, 256));

    @Test
    void readsTheDigest() throws IOException {
        String digest = "sha256:" + "4".repeat(64);

        assertThat(output.digest(result(0, digest + "\n", ""))).isEqualTo(digest);
    }

    static Stream<Arguments> failures() {
        String retried = "2026/11/28 08:40:05 HEAD request failed, falling back on GET: HEAD http://127.0.0.1:5077/v2/a/b/manifests/1: "
                + "unexpected status code 404 Not Found (HEAD responses have no body, use GET for details)\n";
        return Stream.of(
                arguments(1, "", retried + "Error: GET http://127.0.0.1:5077/v2/a/b/manifests/1: MANIFEST_UNKNOWN: manifest unknown; map[Tag:1]\n",
                        "registry lookup failed: unable to find the specified image (MANIFEST_UNKNOWN)", false),
                arguments(1, "", "Error: GET https://registry.test/v2/team/app/manifests/1: UNAUTHORIZED: authentication required; [map[Action:pull]]\n",
                        "registry lookup failed: registry refused the scanner's credentials (UNAUTHORIZED)", true),
                arguments(1, "", "Error: GET https://registry.test/token: DENIED: requested access to the resource is denied\n",
                        "registry lookup failed: registry denied the scanner access (DENIED)", true),
                arguments(1, "", "Error: Get \"https://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused; "
                        + "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused\n",
                        "registry lookup failed: 127.0.0.1:1 refused the connection", false),
                arguments(BoundedProcessExecutor.KILLED_ON_TIMEOUT, "", "", "the registry did not answer within 10s", false),
                arguments(0, "not a digest\n", "", "crane printed no digest", false),
                arguments(0, "sha256:abc\n", "", "crane printed no digest", false));
    }

    @ParameterizedTest(name = "exit {0}: {3}")
    @MethodSource("failures")
    void turnsCraneErrorsIntoReasons(int exit, String stdout, String stderr, String reason, boolean refused) {
        assertThatThrownBy(() -> output.digest(result(exit, stdout, stderr)))
                .isInstanceOfSatisfying(UnresolvedTagException.class, e -> {
                    assertThat(e.getMessage()).startsWith(reason);
                    assertThat(e.refused()).isEqualTo(refused);
                });
    }

    private static ExecResult result(int exit, String stdout, String stderr) {
        ExecCommand command = new ExecCommand("crane", List.of("digest"), null, 10_000L, Set.of(), null, null, false, LoggingLevel.OFF);
        return new ExecResult(command, new ByteArrayInputStream(stdout.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)), exit);
    }
}
