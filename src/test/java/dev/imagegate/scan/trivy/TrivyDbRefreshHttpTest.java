package dev.imagegate.scan.trivy;

import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The vulnerability DB's refresh failing (the DB registry turning downloads away): the DB on disk keeps serving,
 * ImageGate stays ready, the {@code trivy} health component says UNKNOWN meanwhile, failures are counted, and the
 * download is tried again sooner than the refresh period, backing off; once it succeeds all is as before.
 */
@ImageGateHttpTest
@TestPropertySource(properties = {
        "imagegate.trivy.db-refresh=" + TrivyDbRefreshHttpTest.PERIOD_SECONDS + "s"})
class TrivyDbRefreshHttpTest {

    static final int PERIOD_SECONDS = 16;
    /** The first retry comes a sixteenth of the period after a failure, then twice as late each time. */
    static final BigDecimal FIRST_RETRY_SECONDS = BigDecimal.valueOf(PERIOD_SECONDS / 16.0);
    static final TrivyDouble trivy = new TrivyDouble();
    static final Path dbDown = dbDown();

    @DynamicPropertySource
    static void trivyDouble(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_LOG", trivy::logFile);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_DB_DOWN", dbDown::toString);
    }

    @Autowired
    ReviewClient client;

    @Test
    void theDbOnDiskServesWhileItsRefreshFailsAndTheRefreshIsRetriedWithBackoff() throws Exception {
        Metrics metrics = new Metrics(client);

        await().atMost(Duration.ofSeconds(60)).until(() -> metrics.value("imagegate_trivy_db_refreshes_total{result=\"failure\"}") >= 3);
        List<BigDecimal> attempts = trivy.startsOfRunsWith("--download-db-only");
        assertThat(attempts.get(1).subtract(attempts.get(0))).isGreaterThanOrEqualTo(FIRST_RETRY_SECONDS);
        assertThat(attempts.get(2).subtract(attempts.get(1))).isGreaterThanOrEqualTo(FIRST_RETRY_SECONDS.multiply(BigDecimal.valueOf(2)));
        assertThat(health(client, "/actuator/health/trivy")).contains("\"status\":\"UNKNOWN\"");
        assertThat(client.actuator("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(client.review("registry.test/dbdown/clean:1").get("allowed").asBoolean()).isTrue();
        assertThat(client.review("registry.test/dbdown/vulnerable:1").get("allowed").asBoolean()).isFalse();

        Files.delete(dbDown);

        await().atMost(Duration.ofSeconds(60)).until(() -> metrics.value("imagegate_trivy_db_refreshes_total{result=\"success\"}") >= 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> health(client, "/actuator/health/trivy").contains("\"status\":\"UP\""));
        int downloads = trivy.startsOfRunsWith("--download-db-only").size();
        Thread.sleep(PERIOD_SECONDS * 1000 / 4);
        assertThat(trivy.startsOfRunsWith("--download-db-only")).as("no download before the next period").hasSize(downloads);
    }

    private static String health(ReviewClient client, String path) {
        return client.actuator(path).body();
    }

    private static Path dbDown() {
        try {
            return Files.createTempFile("trivy-db-down-", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
