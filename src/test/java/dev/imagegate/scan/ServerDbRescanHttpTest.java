package dev.imagegate.scan;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In client/server mode the vulnerability DB that judges is the Trivy server's: ImageGate reads it from the
 * server's {@code /version} (what {@code trivy version} prints), and a newer one rescans cached results as in
 * standalone mode. The server here answers {@code /healthz} and {@code /version}; the test-double trivy scans
 * as its client.
 */
class ServerDbRescanHttpTest extends RegistryDoubleHttpTest {

    @RegisterExtension
    static final WireMockExtension trivyServer = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void server(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.server", trivyServer::baseUrl);
    }

    @Autowired
    ProducerTemplate camel;

    @Test
    void aNewerDbOnTheServerRescansCachedResults() {
        Instant built = Instant.now().minus(Duration.ofHours(5)).truncatedTo(ChronoUnit.SECONDS);
        serverDbBuiltAt(built);
        String image = "registry.test/server-db/vulnerable:1";
        client.review(image);
        assertThat(cached(image).get("dbUpdatedAt").asText()).isEqualTo(built.toString());

        Instant rebuilt = built.plus(Duration.ofHours(1));
        serverDbBuiltAt(rebuilt);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(cached(image).get("dbUpdatedAt").asText()).isEqualTo(rebuilt.toString()));
        assertThat(trivy.runsOf(image)).hasSize(2);
        assertThat(trivy.runsOf(image).get(0)).contains("--server", trivyServer.baseUrl());
    }

    /** The server now has a DB built at {@code builtAt}, and ImageGate's next version check sees it. */
    private void serverDbBuiltAt(Instant builtAt) {
        trivyServer.stubFor(get("/healthz").willReturn(ok("ok")));
        trivyServer.stubFor(get("/version").willReturn(okJson("""
                {"Version":"0.74.0","VulnerabilityDB":{"Version":2,"NextUpdate":"%1$s","UpdatedAt":"%1$s","DownloadedAt":"%1$s"}}
                """.formatted(builtAt))));
        camel.sendBody("direct:trivy-version", (Object) null);
    }
}
