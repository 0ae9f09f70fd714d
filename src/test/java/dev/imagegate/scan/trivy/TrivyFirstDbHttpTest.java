package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fresh install has no vulnerability DB: ImageGate is not ready, says why on /actuator/health, and downloads
 * the DB itself (a pod that is not ready gets no review whose scan would); once the DB is in it is ready. The
 * first download fails here (the DB's registry turning it away), so the reason shows the failure first.
 */
@ImageGateHttpTest
class TrivyFirstDbHttpTest {

    static final TrivyDouble trivy = new TrivyDouble();
    static final Path database = tempFile("trivy-db-");
    static final Path dbDown = tempFile("trivy-db-down-");

    @DynamicPropertySource
    static void trivyDouble(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_LOG", trivy::logFile);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_DB", database::toString);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_DB_DOWN", dbDown::toString);
    }

    @Autowired
    ReviewClient client;

    @Autowired
    ProducerTemplate camel;

    @Test
    void notReadyUntilTheFirstDbIsDownloadedWithTheReasonOnHealth() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> !trivy.startsOfRunsWith("--download-db-only").isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(trivyHealth().at("/details/reason").asText())
                .startsWith("no vulnerability DB yet: the download failed")
                .contains("TOOMANYREQUESTS")
                .endsWith("tried again in 5 minutes"));
        assertThat(trivyHealth().at("/status").asText()).isEqualTo("DOWN");
        assertThat(client.actuator("/actuator/health/readiness").statusCode()).isEqualTo(503);
        HttpResponse<String> health = client.actuator("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(ReviewClient.json(health.body()).at("/components/trivy/details/reason").asText())
                .startsWith("no vulnerability DB yet: ");
        assertThat(Files.size(database)).as("no DB yet").isZero();

        // The version check that retries the download runs every 5 minutes; the test calls it at once.
        Files.delete(dbDown);
        camel.sendBody("direct:trivy-version", null);

        assertThat(trivy.startsOfRunsWith("--download-db-only")).hasSize(2);
        assertThat(trivyHealth().at("/status").asText()).isEqualTo("UP");
        assertThat(client.actuator("/actuator/health/readiness").statusCode()).isEqualTo(200);
    }

    private JsonNode trivyHealth() {
        return ReviewClient.json(client.actuator("/actuator/health/trivy").body());
    }

    private static Path tempFile(String prefix) {
        try {
            return Files.createTempFile(prefix, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
