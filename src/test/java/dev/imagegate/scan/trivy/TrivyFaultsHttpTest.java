package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.AuditLog;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * trivy failing in ways the project's test double acts out on demand: killed midway (SIGKILL, as the kernel's
 * OOM killer does) and a report cut short. Each review is still answered, fails closed with a reason a developer
 * can act on, is audited and counted, and the image is scanned again once the failure has expired from the cache.
 */
@ImageGateHttpTest
@TestPropertySource(properties = {
        "imagegate.trivy.timeout=60s",
        // The answer waits for the hung scan the test kills, instead of going out pending at the deadline.
        "imagegate.review.deadline=20s",
        "imagegate.cache.error-ttl=1s"})
class TrivyFaultsHttpTest {

    static final Path scans = tempFile();

    @DynamicPropertySource
    static void trivyDouble(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_PIDS", scans::toString);
    }

    @Autowired
    ReviewClient client;

    @Test
    void trivyKilledMidScanFailsTheImageClosedAndTheNextReviewScansAgain() throws Exception {
        AuditLog audit = AuditLog.record();
        Metrics metrics = new Metrics(client);
        double failedBefore = metrics.value("imagegate_scans_total{outcome=\"failed\"}");
        String image = "registry.test/oom/hang:1";

        CompletableFuture<HttpResponse<String>> review = CompletableFuture.supplyAsync(
                () -> client.post(ReviewClient.imageReview("oom", image)));
        ProcessHandle trivy = await().atMost(Duration.ofSeconds(20)).until(() -> scanOf(image, 0), p -> p != null);
        trivy.destroyForcibly();
        HttpResponse<String> answer = review.get(30, TimeUnit.SECONDS);

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode status = ReviewClient.json(answer.body()).get("status");
        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText())
                .isEqualTo(image + ": denied: scan failed: trivy was killed by signal 9 (out of memory?)");
        assertThat(metrics.value("imagegate_scans_total{outcome=\"failed\"}")).isEqualTo(failedBefore + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.namespaces("oom").contains("oom"));

        Thread.sleep(1_500); // past imagegate.cache.error-ttl
        CompletableFuture<HttpResponse<String>> retry = CompletableFuture.supplyAsync(
                () -> client.post(ReviewClient.imageReview("oom", image)));
        await().atMost(Duration.ofSeconds(20)).until(() -> scanOf(image, 1), p -> p != null).destroyForcibly();
        assertThat(retry.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aReportCutShortFailsTheImageClosed() {
        JsonNode status = client.review("registry.test/cut/truncated:1", "registry.test/cut/clean:1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText())
                .isEqualTo("registry.test/cut/truncated:1: denied: scan failed: trivy's output is not a JSON report");
        assertThat(status.at("/images/1/allowed").asBoolean()).isTrue();
    }

    /** The {@code n}th trivy process that scanned {@code image} (given to trivy by digest), while it runs. */
    private static ProcessHandle scanOf(String image, int n) throws IOException {
        List<Long> pids = Files.readAllLines(scans).stream().map(line -> line.split("\t"))
                .filter(fields -> fields[1].equals(CraneDouble.pinned(image))).map(fields -> Long.parseLong(fields[0])).toList();
        return pids.size() > n ? ProcessHandle.of(pids.get(n)).filter(ProcessHandle::isAlive).orElse(null) : null;
    }

    private static Path tempFile() {
        try {
            return Files.createTempFile("trivy-double-pids-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
