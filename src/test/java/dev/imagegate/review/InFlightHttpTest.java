package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Reviews waiting for slow scans must neither delay cached answers nor pile up past the in-flight bound. */
@ImageGateHttpTest
@TestPropertySource(properties = {
        "imagegate.trivy.timeout=5s",
        "imagegate.scan.max-concurrent=32",
        "imagegate.review.max-in-flight=12"})
class InFlightHttpTest {

    static final TrivyDouble trivy = TestEnvironment.trivy();

    @Autowired
    ReviewClient client;

    @Test
    void cachedAnswersNeverQueueBehindReviewsWaitingForScans() throws Exception {
        client.review("registry.test/queue/clean:1");
        ExecutorService apiServers = Executors.newFixedThreadPool(10);
        try {
            for (int i = 0; i < 10; i++) {
                String image = hanging("queue", i);
                apiServers.submit(() -> client.review(image));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> trivy.runsOf(hanging("queue", 9)).size() == 1);

            long started = System.nanoTime();
            JsonNode cached = client.review("registry.test/queue/clean:1");

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
            assertThat(cached.get("allowed").asBoolean()).isTrue();
        } finally {
            apiServers.shutdown();
            apiServers.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void reviewsBeyondTheInFlightBoundGetAFast429() throws Exception {
        ExecutorService apiServers = Executors.newFixedThreadPool(12);
        try {
            for (int i = 0; i < 12; i++) {
                String image = hanging("bound", i);
                apiServers.submit(() -> client.review(image));
            }
            // A precondition, not a timing claim: on a loaded machine the twelve scans take a while to start.
            await().atMost(Duration.ofSeconds(10)).until(() -> trivy.runsOf(hanging("bound", 11)).size() == 1);

            HttpResponse<String> extra = client.post(ReviewClient.imageReview("default", "registry.test/bound/clean:1"));

            assertThat(extra.statusCode()).isEqualTo(429);
            assertThat(extra.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(ReviewClient.json(extra.body()).get("error").asText()).isEqualTo("too many reviews in flight, retry shortly");
        } finally {
            apiServers.shutdown();
            apiServers.awaitTermination(10, TimeUnit.SECONDS);
        }
        // Permits come back as the answers complete; none is lost.
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(client.post(ReviewClient.imageReview("default", "registry.test/bound/clean:1")).statusCode()).isEqualTo(200));
    }

    /**
     * A hanging image by digest: its scan starts at once, where a tag would first be looked up, and the reviews
     * must all be waiting within the review deadline.
     */
    private static String hanging(String team, int i) {
        return "registry.test/" + team + "/hang@sha256:" + "%064x".formatted(i);
    }
}
