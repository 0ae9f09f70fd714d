package dev.imagegate.e2e;

import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.SilentServer;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM to the packaged jar, as Kubernetes stops a pod, while a webhook sink accepts connections and never
 * answers and its queue is full: readiness turns false at once, the review in flight is answered, new ones are
 * turned away, every answered review has its audit line, what the alert queue could not deliver is logged as
 * dropped, and the process exits well inside the pod's 30 s grace period, though the alert in hand would hold it
 * for two minutes. Needs only Java and the test-double trivy, so it runs wherever the build does.
 */
class ShutdownIT {

    /** Kubernetes' default terminationGracePeriodSeconds is 30: exit with room to spare. */
    static final Duration WELL_INSIDE_THE_GRACE_PERIOD = Duration.ofSeconds(25);
    static final int ALERT_QUEUE_SIZE = 100;
    static final Pattern AUDITED_NAMESPACE = Pattern.compile("imagegate\\.audit .*\"namespace\":\"([^\"]+)\"");

    final Map<String, Integer> answered = new ConcurrentHashMap<>();

    @Test
    void exitsWellInsideTheGracePeriodWithAHangingSinkAndAFullAlertQueue() throws Exception {
        Path work = EndToEnd.workDir("shutdown");
        Path trivyRuns = work.resolve("trivy-double.log");
        try (SilentServer sink = SilentServer.start();
             ImageGateProcess imageGate = ImageGateProcess.start("imagegate-shutdown", Map.of(
                     "imagegate.trivy.command", TrivyDouble.COMMAND,
                     "imagegate.crane.command", CraneDouble.COMMAND,
                     "imagegate.alerts.webhook.enabled", "true",
                     "imagegate.alerts.webhook.url", "http://127.0.0.1:" + sink.port() + "/hooks/imagegate",
                     // Far past the shutdown limit: the alert in hand never ends on its own.
                     "camel.component.http.response-timeout", "120000",
                     "camel.component.http.so-timeout", "120000"),
                     Map.of("TRIVY_DOUBLE_SLOW", "6", "TRIVY_DOUBLE_LOG", trivyRuns.toString()), work)) {
            ReviewClient client = imageGate.client();
            // Each denial in its own namespace is an alert: one in hand at the silent sink, a full queue, a few dropped.
            for (int i = 0; i < ALERT_QUEUE_SIZE + 10; i++) {
                review(client, "denied-" + i, "registry.test/shutdown/vulnerable:1");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.connections() > 0);
            assertThat(new Metrics(imageGate.managementPort()).value("imagegate_alerts_dropped_total{sink=\"webhook\"}"))
                    .as("alerts the full queue turned away").isEqualTo(9);
            CompletableFuture<Integer> inFlight = CompletableFuture.supplyAsync(
                    () -> review(client, "in-flight", "registry.test/shutdown/slow:1"));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(trivyRuns)
                    && Files.readString(trivyRuns).contains(CraneDouble.pinned("registry.test/shutdown/slow:1")));

            long sigterm = System.nanoTime();
            imageGate.terminate();

            await("readiness false").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !ready(imageGate.managementPort()));
            AtomicInteger after = new AtomicInteger();
            await("new reviews turned away").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> review(client, "after-" + after.incrementAndGet(), "registry.test/shutdown/clean:1") != 200);
            int inFlightStatus = inFlight.get(30, TimeUnit.SECONDS);
            boolean exited = imageGate.awaitExit(Duration.ofSeconds(90));
            Duration sigtermToExit = Duration.ofNanos(System.nanoTime() - sigterm);
            System.out.println("ShutdownIT: SIGTERM to exit took " + sigtermToExit.toMillis() + " ms");

            assertThat(exited).as("exited").isTrue();
            assertThat(sigtermToExit).isLessThan(WELL_INSIDE_THE_GRACE_PERIOD);
            assertThat(inFlightStatus).as("the review in flight at SIGTERM").isEqualTo(200);
            String log = imageGate.log();
            assertThat(log).contains("shutdown: stopped taking reviews")
                    .containsPattern("shutdown: dropped .*: 100 on alert-webhook");
            Set<String> audited = AUDITED_NAMESPACE.matcher(log).results().map(m -> m.group(1)).collect(Collectors.toSet());
            assertThat(audited).containsAll(answered.entrySet().stream().filter(a -> a.getValue() == 200)
                    .map(Map.Entry::getKey).toList());
            assertThat(audited).contains("in-flight");
        }
    }

    /** The answer's status, or -1 when the connection is refused. */
    private int review(ReviewClient client, String namespace, String image) {
        try {
            int status = client.post(ReviewClient.imageReview(namespace, image)).statusCode();
            answered.put(namespace, status);
            return status;
        } catch (UncheckedIOException refused) {
            return -1;
        }
    }

    private static boolean ready(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/actuator/health/readiness")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException refused) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
