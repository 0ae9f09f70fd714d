package dev.imagegate.scan.trivy;

import dev.imagegate.image.ImageReference;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TrivyCommandTest {

    private static final ImageReference NGINX = ImageReference.parse("nginx:1.27");

    @Test
    void standaloneScansUseAMemoryCacheAndPassTheReferenceAsWritten() {
        TrivyCommand command = new TrivyCommand(properties(null, null, null, false, null));

        assertThat(command.scanArguments(NGINX)).containsExactly("image", "--format", "json", "--quiet",
                "--scanners", "vuln", "--list-all-pkgs=false", "--image-src", "remote", "--timeout", "300s", "--cache-backend", "memory", "nginx:1.27");
    }

    @Test
    void aScheduledDbRefreshMeansScansNeverDownloadTheDb() {
        TrivyCommand command = new TrivyCommand(properties(null, null, null, false, Duration.ofHours(6)));

        assertThat(command.scanArguments(NGINX)).containsSubsequence("--skip-db-update", "--skip-java-db-update", "nginx:1.27");
        assertThat(command.downloadDbArguments()).contains("--download-db-only").doesNotContain("--skip-db-update");
    }

    @Test
    void clientServerModeTalksToTheServerWithTheTokenInTheEnvironment() {
        TrivyCommand command = new TrivyCommand(properties("http://trivy.imagegate:4954", "s3cret", "X-Trivy-Token", true, null));

        assertThat(command.scanArguments(NGINX)).containsSubsequence("--server", "http://trivy.imagegate:4954", "nginx:1.27")
                .doesNotContain("--cache-backend", "--skip-db-update", "s3cret");
        assertThat(command.environment(Map.of()))
                .containsEntry("TRIVY_TOKEN", "s3cret")
                .containsEntry("TRIVY_TOKEN_HEADER", "X-Trivy-Token");
    }

    @Test
    void theEnvironmentIsBuiltFromScratch() {
        TrivyCommand command = new TrivyCommand(new TrivyProperties("trivy", Duration.ofMinutes(5), null, null, null, null,
                false, null, Map.of("TRIVY_USERNAME", "robot"), DataSize.ofMegabytes(32), Duration.ofDays(7)));

        Map<String, String> env = command.environment(Map.of("PATH", "/usr/bin", "HOME", "/home/imagegate",
                "AWS_SECRET_ACCESS_KEY", "leak", "SPRING_DATASOURCE_PASSWORD", "leak", "TRIVY_INSECURE", "true"));

        assertThat(env).containsEntry("PATH", "/usr/bin").containsEntry("HOME", "/home/imagegate")
                .containsEntry("TRIVY_INSECURE", "true").containsEntry("TRIVY_USERNAME", "robot")
                .containsEntry("TRIVY_SKIP_VERSION_CHECK", "true").containsEntry("TRIVY_DISABLE_TELEMETRY", "true")
                .doesNotContainKeys("AWS_SECRET_ACCESS_KEY", "SPRING_DATASOURCE_PASSWORD");
    }

    private static TrivyProperties properties(String server, String token, String header, boolean skipDbUpdate,
                                              Duration dbRefresh) {
        return new TrivyProperties("trivy", Duration.ofMinutes(5), server, token, header, null, skipDbUpdate, dbRefresh,
                Map.of(), DataSize.ofMegabytes(32), Duration.ofDays(7));
    }
}
