package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scanning at admission speed, over real HTTP with the test-double trivy: the cache, single-flight, parallel
 * scans (images under {@code delay-0.5/} take 0.5 s to scan) and the review deadline (3 s, as
 * {@link ImageGateHttpTest} sets it). Each test uses its own image names, so each starts cold. Time bounds are
 * generous; the figures are in BENCHMARKS.md.
 */
@ImageGateHttpTest
class ScanEngineHttpTest {

    static final Duration SCAN_TIME = Duration.ofMillis(500);
    static final Duration DEADLINE = Duration.ofSeconds(3);
    static final TrivyDouble trivy = TestEnvironment.trivy();

    @Autowired
    ReviewClient client;

    @Test
    void aScannedImageIsAnsweredFromTheCache() {
        client.review("registry.test/cached/vulnerable:1");
        JsonNode again = client.review("registry.test/cached/vulnerable:1");

        assertThat(again.get("allowed").asBoolean()).isFalse();
        assertThat(again.get("reason").asText()).contains("CVE-2022-22965");
        assertThat(trivy.runsOf("registry.test/cached/vulnerable:1")).hasSize(1);
    }

    @Test
    void spellingsOfOneImageShareTheirScan() {
        client.review("registry.test/spelling/clean:1");
        client.review("registry.test/spelling/clean:1@sha256:" + "d".repeat(64));
        client.review("docker.io/library/clean:7");
        client.review("clean:7");

        // clean:7 and docker.io/library/clean:7 are one tag, so one digest and one scan
        assertThat(trivy.runsOf("docker.io/library/clean:7")).hasSize(1);
    }

    @Test
    void aTagAndItsDigestShareOneScan() {
        client.review("registry.test/share/clean:1");
        String byDigest = "registry.test/share/clean@" + CraneDouble.digestOf("registry.test/share/clean:1");

        JsonNode status = client.review(byDigest);

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(trivy.runsOf(byDigest)).hasSize(1);
    }

    @Test
    void aFailedScanIsRememberedSoABrokenImageIsNotRescannedPerRequest() {
        client.review("registry.test/broken/missing:1");
        JsonNode again = client.review("registry.test/broken/missing:1");

        assertThat(again.get("reason").asText()).contains("unable to find the specified image");
        assertThat(trivy.runsOf("registry.test/broken/missing:1")).hasSize(1);
    }

    @Test
    void simultaneousReviewsOfANewImageShareOneTrivyRun() throws Exception {
        String image = "registry.test/delay-0.5/herd/vulnerable:1";
        ExecutorService apiServers = Executors.newFixedThreadPool(100);
        try {
            List<Callable<JsonNode>> reviews = IntStream.range(0, 100).<Callable<JsonNode>>mapToObj(i -> () -> client.review(image)).toList();
            List<Future<JsonNode>> answers = apiServers.invokeAll(reviews);

            for (Future<JsonNode> answer : answers) {
                assertThat(answer.get().get("reason").asText()).contains("CVE-2022-22965");
            }
        } finally {
            apiServers.shutdownNow();
        }
        assertThat(trivy.runsOf(image)).hasSize(1);
    }

    @Test
    void theImagesOfOneReviewAreScannedInParallel() {
        long started = System.nanoTime();
        JsonNode status = client.review("registry.test/delay-0.5/fanout/clean:1", "registry.test/delay-0.5/fanout/clean:2",
                "registry.test/delay-0.5/fanout/medium:3", "registry.test/delay-0.5/fanout/nothing:4");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(took).as("one after another would take 4 x %s", SCAN_TIME).isLessThan(SCAN_TIME.multipliedBy(4).minusMillis(100));
    }

    @Test
    void aScanPastTheDeadlineIsPendingAndItsResultServesTheRetry() {
        String image = "registry.test/late/slow:1";
        long started = System.nanoTime();
        JsonNode first = client.review(image, "registry.test/late/clean:1");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isGreaterThanOrEqualTo(DEADLINE.minusMillis(100)).isLessThan(DEADLINE.plusSeconds(2));
        assertThat(first.get("allowed").asBoolean()).isFalse();
        assertThat(first.get("reason").asText()).isEqualTo(image + ": denied: scan in progress, retry shortly (the result will be cached)");
        assertThat(first.at("/auditAnnotations/pending-images").asText()).isEqualTo("1");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.review(image).get("allowed").asBoolean()).isTrue());
        assertThat(trivy.runsOf(image)).hasSize(1);
    }

    @Test
    void aHangingScanNeverHoldsTheReviewPastTheDeadline() {
        long started = System.nanoTime();
        JsonNode status = client.review("registry.test/stuck/hang:1");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(DEADLINE.plusSeconds(2));
        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.at("/images/0/verdict").asText()).isEqualTo("PENDING");
    }

    @Test
    void metricsAreExposedForPrometheus() {
        client.review("registry.test/metrics/clean:1");
        client.review("registry.test/metrics/clean:1");

        String metrics = client.actuator("/actuator/prometheus").body();

        assertThat(metrics).contains("imagegate_reviews_total{decision=\"allowed\"}", "imagegate_scans_total{outcome=\"scanned\"}",
                "imagegate_scan_duration_seconds_count", "imagegate_scan_cache_total{result=\"hit\"}",
                "imagegate_scan_cache_total{result=\"miss\"}", "imagegate_scans_in_flight", "imagegate_verdicts_pending_total");
        assertThat(metrics).containsPattern("imagegate_trivy_db_age_seconds [0-9.E]+\\n");
        assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{[^}]*method=\"POST\"[^}]*status=\"200\",uri=\"/scan\"\\} [0-9.E]+");
    }
}
