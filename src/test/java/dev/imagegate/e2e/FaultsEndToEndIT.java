package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.SilentServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The peers a scan depends on failing under the packaged ImageGate, the real crane and the real trivy v0.74.0 in
 * client/server mode: a registry that refuses connections, one that answers 503, one that never answers (each
 * fails the tag lookup), and the Trivy server going down and coming back mid-run. Every review is answered within
 * its deadline and fails closed with a reason, each failure is counted, readiness follows the Trivy server, and
 * scanning resumes once it is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultsEndToEndIT {

    static final String TOKEN = "e2e-faults-token";
    static final Duration TRIVY_TIMEOUT = Duration.ofSeconds(8);
    static final Duration ERROR_TTL = Duration.ofSeconds(2);
    static final String LOOKUPS_FAILED = "imagegate_tag_lookups_total{outcome=\"failed\"}";
    static final String SCANS_FAILED = "imagegate_scans_total{outcome=\"failed\"}";

    EndToEnd.Tools tools;
    Path work;
    LocalRegistry registry;
    int serverPort;
    Path serverCache;
    ServerProcess trivyServer;
    ImageGateProcess imageGate;
    ReviewClient client;
    Metrics metrics;
    WireMockServer failingRegistry;
    SilentServer silentRegistry;

    @BeforeAll
    void start() throws Exception {
        tools = EndToEnd.tools();
        work = EndToEnd.workDir("faults");
        registry = LocalRegistry.start(tools.registry(), work);
        registry.push(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        registry.push(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        failingRegistry = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
        failingRegistry.start();
        failingRegistry.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withBody("upstream unavailable")));
        silentRegistry = SilentServer.start();
        serverPort = Ports.free();
        serverCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-server-cache"));
        trivyServer = startTrivyServer();
        imageGate = ImageGateProcess.start("imagegate-faults", Map.of(
                "imagegate.trivy.command", tools.trivy().toString(),
                "imagegate.crane.command", tools.crane().toString(),
                "imagegate.trivy.cache-dir", Files.createDirectories(work.resolve("client-cache")).toString(),
                "imagegate.trivy.server", "http://127.0.0.1:" + serverPort,
                "imagegate.trivy.token", TOKEN,
                "imagegate.trivy.timeout", TRIVY_TIMEOUT.toSeconds() + "s",
                "imagegate.cache.error-ttl", ERROR_TTL.toSeconds() + "s",
                "imagegate.policy.file", EndToEnd.POLICY.toString()), work);
        client = imageGate.client();
        metrics = new Metrics(imageGate.managementPort());
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(imageGate, trivyServer, registry, silentRegistry, failingRegistry == null ? null : failingRegistry::stop);
    }

    @Test
    void aRegistryThatRefusesConnectionsFailsTheImageClosed() {
        int closed = Ports.free();

        JsonNode status = scanFails("127.0.0.1:" + closed + "/e2e/refused:1", LOOKUPS_FAILED);

        assertThat(status.get("reason").asText()).endsWith("127.0.0.1:" + closed + " refused the connection");
    }

    @Test
    void aRegistryAnswering503FailsTheImageClosed() {
        JsonNode status = scanFails("127.0.0.1:" + failingRegistry.port() + "/e2e/unavailable:1", LOOKUPS_FAILED);

        assertThat(status.get("reason").asText()).endsWith("registry answered 503 Service Unavailable");
    }

    @Test
    void aRegistryThatNeverAnswersFailsTheImageClosedWithinTheLookupTimeout() {
        JsonNode status = scanFails("127.0.0.1:" + silentRegistry.port() + "/e2e/silent:1", LOOKUPS_FAILED);

        assertThat(status.get("reason").asText()).containsAnyOf("did not answer in time", "did not answer within");
    }

    @Test
    void theTrivyServerGoingDownAndComingBackMidRun() throws Exception {
        String clean = registry.reference(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        String vulnerable = registry.reference(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        assertThat(client.review(clean).get("allowed").asBoolean()).isTrue();

        trivyServer.close();
        await("readiness follows the Trivy server").atMost(Duration.ofSeconds(30)).until(() -> readiness() == 503);
        JsonNode whileDown = scanFails(vulnerable, SCANS_FAILED);
        assertThat(client.review(clean).get("allowed").asBoolean()).as("a cached result still serves").isTrue();

        trivyServer = startTrivyServer();
        await("ready again").atMost(Duration.ofSeconds(30)).until(() -> readiness() == 200);
        Thread.sleep(ERROR_TTL.toMillis() + 500);
        JsonNode afterwards = client.review(vulnerable);

        assertThat(whileDown.get("reason").asText()).endsWith("127.0.0.1:" + serverPort + " refused the connection");
        assertThat(afterwards.get("allowed").asBoolean()).isFalse();
        assertThat(afterwards.get("reason").asText()).contains("CVE-2024-6119").doesNotContain("scan failed");
    }

    /**
     * Reviews the image, which must be denied because its scan failed, and checks that {@code failures} counted
     * it: a registry that fails fails the tag lookup before trivy runs; a Trivy server that fails fails the scan.
     */
    private JsonNode scanFails(String image, String failures) {
        double failedBefore = metrics.value(failures);

        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).as(status.toString()).startsWith(image + ": denied: scan failed: ");
        assertThat(metrics.value(failures)).isEqualTo(failedBefore + 1);
        return status;
    }

    private int readiness() {
        HttpResponse<String> response = client.actuator("/actuator/health/readiness");
        return response.statusCode();
    }

    private ServerProcess startTrivyServer() throws Exception {
        ServerProcess server = ServerProcess.start("trivy-server", List.of(tools.trivy().toString(), "server",
                "--listen", "127.0.0.1:" + serverPort, "--cache-dir", serverCache.toString(), "--skip-db-update",
                "--token", TOKEN), Map.of("TRIVY_DISABLE_TELEMETRY", "true"), work);
        server.awaitHttp(URI.create("http://127.0.0.1:" + serverPort + "/healthz"), 200, Duration.ofSeconds(60));
        return server;
    }
}
