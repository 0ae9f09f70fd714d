package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Readiness counts crane in: the running application asked it for its version. */
class CraneReadinessHttpTest extends RegistryDoubleHttpTest {

    @Test
    void readinessIncludesCrane() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode readiness = ReviewClient.json(client.send(client.actuatorRequest("/actuator/health/readiness").GET().build()).body());
            assertThat(readiness.at("/components/crane/status").asText()).isEqualTo("UP");
        });
        assertThat(crane.runsFor("version")).isNotEmpty();
    }
}
