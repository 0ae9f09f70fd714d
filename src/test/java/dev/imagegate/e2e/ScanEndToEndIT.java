package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged ImageGate with the real trivy v0.74.0, scanning images pushed to a real registry on
 * loopback, against a vulnerability DB built from {@code e2e/fixtures/db}: standalone, and in Trivy's
 * client/server mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScanEndToEndIT {

    static final TestImage ALPINE_CLEAN = TestImage.alpine("e2e/alpine-clean", "3.20.3",
            Map.of("musl", "1.2.5-r0", "busybox", "1.36.1-r29", "libcrypto3", "3.3.2-r1"));
    static final TestImage ALPINE_VULNERABLE = TestImage.alpine("e2e/alpine-openssl", "3.20.1",
            Map.of("musl", "1.2.5-r0", "busybox", "1.36.1-r15", "libcrypto3", "3.3.1-r0", "libssl3", "3.3.1-r0"));
    static final TestImage DEBIAN_VULNERABLE = TestImage.debian("e2e/debian-expat", "12.6",
            Map.of("libexpat1", "2.5.0-1", "bash", "5.2.15-2+b7"));

    EndToEnd.Tools tools;
    Path work;
    LocalRegistry registry;
    String vulnerableDigest;
    ImageGateProcess standalone;

    @BeforeAll
    void start() throws Exception {
        tools = EndToEnd.tools();
        work = EndToEnd.workDir("scan");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        registry.push(ALPINE_CLEAN, "1.0");
        vulnerableDigest = registry.push(ALPINE_VULNERABLE, "1.0");
        registry.push(DEBIAN_VULNERABLE, "bookworm");
        standalone = ImageGateProcess.start("imagegate-standalone", EndToEnd.offlineScanning(tools, trivyCache), work);
    }

    @AfterAll
    void stop() {
        if (standalone != null) {
            standalone.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    String image(TestImage image, String tagOrDigest) {
        return registry.reference(image, tagOrDigest);
    }

    JsonNode review(ImageGateProcess imageGate, String... images) {
        return imageGate.client().review(images);
    }

    @Test
    void aCleanImageIsAllowed() {
        JsonNode status = review(standalone, image(ALPINE_CLEAN, "1.0"));

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isTrue();
        assertThat(status.get("auditAnnotations").get("decision").asText()).isEqualTo("allowed");
    }

    @Test
    void aVulnerableAlpineImageIsDeniedNamingItsCves() {
        JsonNode status = review(standalone, image(ALPINE_VULNERABLE, "1.0"));

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText())
                .contains(image(ALPINE_VULNERABLE, "1.0"), "CVE-2024-6119", "HIGH")
                // LOW and MEDIUM findings are under the policy's threshold
                .doesNotContain("CVE-2024-9143", "CVE-2023-42366");
        assertThat(status.get("auditAnnotations").get("highest-severity").asText()).isEqualTo("HIGH");
    }

    /**
     * The fixed version comes from the DB (e2e/fixtures/db/alpine.yaml: openssl's CVE-2024-6119 fixed in 3.3.2-r0),
     * the end of support from trivy itself: its table of Alpine releases ends 3.20's support on 2026-04-01.
     */
    @Test
    void theReasonNamesTheFixedVersionFromTheDb() {
        String vulnerable = image(ALPINE_VULNERABLE, "1.0");

        JsonNode status = review(standalone, vulnerable);

        assertThat(status.get("reason").asText()).isEqualTo(vulnerable + ": denied: alpine 3.20.1 is past end of support: "
                + "rebuild on a supported base image; 1 HIGH in 2 packages at or above HIGH; "
                + "upgrade libcrypto3 3.3.1-r0 -> 3.3.2-r0 (CVE-2024-6119), libssl3 3.3.1-r0 -> 3.3.2-r0 (CVE-2024-6119)");
        JsonNode image = status.at("/images/0");
        assertThat(image.get("fixes")).extracting(fix -> fix.get("package").asText() + " " + fix.get("installed").asText()
                + " -> " + fix.get("fixed").asText() + " " + fix.get("vulnerabilities")).containsExactly(
                "libcrypto3 3.3.1-r0 -> 3.3.2-r0 [\"CVE-2024-6119\"]", "libssl3 3.3.1-r0 -> 3.3.2-r0 [\"CVE-2024-6119\"]");
        assertThat(image.has("unfixed")).isFalse();
        assertThat(image.get("osEndOfSupport").asText()).isEqualTo("alpine 3.20.1");
    }

    @Test
    void aVulnerableDebianImageIsDeniedNamingItsCves() {
        JsonNode status = review(standalone, image(DEBIAN_VULNERABLE, "bookworm"));

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).contains("2 CRITICAL", "CVE-2024-45490", "CVE-2024-45491");
    }

    @Test
    void anUnknownTagIsDeniedAsNotFound() {
        JsonNode status = review(standalone, image(ALPINE_CLEAN, "no-such-tag"));

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).contains(image(ALPINE_CLEAN, "no-such-tag"), "unable to find the specified image");
    }

    @Test
    void anImageByDigestIsScannedLikeItsTag() {
        JsonNode status = review(standalone, image(ALPINE_VULNERABLE, vulnerableDigest));

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).contains(vulnerableDigest, "CVE-2024-6119");
    }

    @Test
    void aMultiContainerPodIsDeniedForItsVulnerableImageOnly() {
        String clean = image(ALPINE_CLEAN, "1.0");
        String vulnerable = image(DEBIAN_VULNERABLE, "bookworm");

        JsonNode status = review(standalone, clean, vulnerable, clean);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).contains(vulnerable, "CVE-2024-45490").doesNotContain(clean);
        assertThat(status.get("auditAnnotations").get("images-reviewed").asText()).isEqualTo("2");
        assertThat(status.get("auditAnnotations").get("denied-images").asText()).isEqualTo(vulnerable);
    }

    /**
     * ImageGate as a Trivy client: its own cache directory is empty, so only the server's DB can find
     * anything, and the server asks for a token.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ClientServerMode {

        static final String TOKEN = "e2e-token";

        ServerProcess trivyServer;
        ImageGateProcess client;

        @BeforeAll
        void start() throws Exception {
            int port = Ports.free();
            Path serverCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-server-cache"));
            trivyServer = ServerProcess.start("trivy-server", List.of(tools.trivy().toString(), "server",
                    "--listen", "127.0.0.1:" + port, "--cache-dir", serverCache.toString(), "--skip-db-update",
                    "--token", TOKEN), Map.of("TRIVY_DISABLE_TELEMETRY", "true"), work);
            trivyServer.awaitHttp(URI.create("http://127.0.0.1:" + port + "/healthz"), 200, Duration.ofSeconds(30));
            client = ImageGateProcess.start("imagegate-client", Map.of(
                    "imagegate.trivy.command", tools.trivy().toString(),
                    "imagegate.crane.command", tools.crane().toString(),
                    "imagegate.trivy.cache-dir", Files.createDirectories(work.resolve("client-cache")).toString(),
                    "imagegate.trivy.server", "http://127.0.0.1:" + port,
                    "imagegate.trivy.token", TOKEN,
                    "imagegate.policy.file", EndToEnd.POLICY.toString()), work);
        }

        @AfterAll
        void stop() {
            if (client != null) {
                client.close();
            }
            if (trivyServer != null) {
                trivyServer.close();
            }
        }

        @Test
        void theServerFindsTheVulnerabilities() {
            JsonNode status = review(client, image(ALPINE_VULNERABLE, "1.0"), image(ALPINE_CLEAN, "1.0"));

            assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
            assertThat(status.get("reason").asText()).contains(image(ALPINE_VULNERABLE, "1.0"), "CVE-2024-6119")
                    .doesNotContain(image(ALPINE_CLEAN, "1.0"));
        }
    }
}
