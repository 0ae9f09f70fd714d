package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After trivy's vulnerability DB is updated, cached results scanned with the older DB are scanned again in
 * the background, one at a time, and only while no review's scan needs the (single) trivy slot. An
 * application of its own: its DB updates would rescan the other tests' images.
 */
@TestPropertySource(properties = {
        "imagegate.scan.max-concurrent=1",
        "imagegate.trivy.environment.TRIVY_DOUBLE_SLOW=10"})
class StaleRescanHttpTest extends RegistryDoubleHttpTest {

    static final Path database = databaseBuiltAt(Instant.now().minus(Duration.ofHours(5)));

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_DB", database::toString);
    }

    @Autowired
    ProducerTemplate camel;

    @BeforeEach
    void knowTheDatabase() {
        camel.sendBody("direct:trivy-version", (Object) null);
    }

    @Test
    void resultsScannedWithAnOlderDbAreScannedAgainInTheBackground() {
        String image = "registry.test/stale/vulnerable:1";
        client.review(image);
        Instant updated = updateDatabase();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(cached(image).get("dbUpdatedAt").asText()).isEqualTo(updated.toString()));
        assertThat(trivy.runsOf(image)).hasSize(2);
        assertThat(metrics()).containsPattern("(?m)^imagegate_stale_rescans_total [1-9]");
    }

    @Test
    void aReviewsScanGoesBeforeRescans() throws Exception {
        String cached = "registry.test/stale/clean:2";
        String slow = "registry.test/stale-busy/slow:1";
        String next = "registry.test/stale-busy/clean:3";
        client.review(cached);
        CompletableFuture<JsonNode> slowReview = CompletableFuture.supplyAsync(() -> client.review(slow));
        await().atMost(Duration.ofSeconds(10)).until(() -> trivy.startsOf(slow).size() == 1);

        updateDatabase();
        // The rescan timer ticks a few times while the only trivy slot is taken; then a review needs a scan.
        await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
        assertThat(trivy.endsOf(slow)).as("precondition: the slow scan still runs").isEmpty();
        CompletableFuture<JsonNode> nextReview = CompletableFuture.supplyAsync(() -> client.review(next));

        await().atMost(Duration.ofSeconds(40)).until(() -> trivy.startsOf(cached).size() == 2);
        assertThat(trivy.startsOf(next)).singleElement().satisfies(reviewed ->
                assertThat(reviewed).isLessThan(trivy.startsOf(cached).get(1)));
        slowReview.get();
        nextReview.get();
    }

    /** The DB is rebuilt an hour after the current one, and ImageGate's next 'trivy version' sees it. */
    private Instant updateDatabase() {
        try {
            Instant next = Instant.parse(Files.readString(database).trim()).plus(Duration.ofHours(1));
            Files.writeString(database, next.toString());
            camel.sendBody("direct:trivy-version", (Object) null);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path databaseBuiltAt(Instant builtAt) {
        try {
            Path file = Files.createTempFile("trivy-double-db-", ".txt");
            Files.writeString(file, builtAt.truncatedTo(ChronoUnit.SECONDS).toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
