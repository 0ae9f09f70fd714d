package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged ImageGate processes behind one address (ReviewProxy, standing in for the Service), reviews
 * flowing from several clients that retry as kube-apiserver's webhook client does, and one replica stopped
 * the way Kubernetes stops a pod of deploy/kubernetes: it leaves the Service's endpoints, the preStop pause
 * of the Deployment passes, then SIGTERM. A review it took just before is still in flight then (its scan
 * outlasts the pause), and must be answered by it. Every review must get its answer from one of the two. The
 * scanner is the project's test-double trivy (a scan time chosen per image), as in ShutdownIT: what is under
 * test is the processes' stop, not the scan.
 */
class ReplicaStopUnderLoadIT {

    static final ObjectMapper YAML = new YAMLMapper();
    static final Duration LOAD_BEFORE_STOP = Duration.ofSeconds(4);
    static final Duration LOAD_AFTER_STOP = Duration.ofSeconds(6);
    static final int CLIENTS = 6;
    static final String COMMON_IMAGE = "registry.test/replica-stop/clean:1";

    final Map<String, AtomicInteger> answeredBy = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
    final AtomicInteger reviews = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger answeredByStoppedAfterSigterm = new AtomicInteger();
    volatile long sigtermAt = Long.MAX_VALUE;

    @Test
    void stoppingOneReplicaTheWayKubernetesDoesLosesNoReview() throws Exception {
        JsonNode pod = YAML.readTree(Path.of("deploy/kubernetes/base/deployment.yaml").toFile()).at("/spec/template/spec");
        Duration preStopPause = Duration.ofSeconds(pod.at("/containers/0/lifecycle/preStop/sleep/seconds").asInt());
        Duration grace = Duration.ofSeconds(pod.path("terminationGracePeriodSeconds").asInt());
        JsonNode webhook = YAML.readTree(Path.of("deploy/apiserver/admission-config.yaml").toFile()).at("/plugins/0/configuration/imagePolicy");
        Duration retryBackoff = Duration.ofMillis(webhook.path("retryBackoff").asInt());
        Path work = EndToEnd.workDir("replica-stop");
        Map<String, String> settings = Map.of(
                "imagegate.trivy.command", TrivyDouble.COMMAND,
                "imagegate.crane.command", CraneDouble.COMMAND,
                "imagegate.scan.max-concurrent", "8");

        ImageGateProcess a = null;
        ImageGateProcess b = null;
        ReviewProxy service = null;
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            a = ImageGateProcess.start("imagegate-a", settings, work);
            b = ImageGateProcess.start("imagegate-b", settings, work);
            // Each replica has scanned the common image before the load starts, as replicas that have run a while.
            for (ImageGateProcess replica : List.of(a, b)) {
                assertThat(replica.client().review(COMMON_IMAGE).path("allowed").asBoolean()).isTrue();
            }
            service = ReviewProxy.start(List.of(new ReviewProxy.Replica("a", a.client().reviewPort(), a.managementPort()),
                    new ReviewProxy.Replica("b", b.client().reviewPort(), b.managementPort())), Duration.ofSeconds(1));
            assertThat(service.endpoints()).containsExactlyInAnyOrder("a", "b");
            URI scan = URI.create("http://127.0.0.1:" + service.port() + "/scan?timeout=30s");

            AtomicBoolean flowing = new AtomicBoolean(true);
            List<Future<?>> load = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                int id = client;
                load.add(clients.submit(() -> {
                    while (flowing.get()) {
                        review(scan, id, retryBackoff);
                    }
                    return null;
                }));
            }
            Thread.sleep(LOAD_BEFORE_STOP.toMillis());

            // A review the Service handed to replica a just before the pod was deleted, whose scan outlasts the
            // preStop pause: it is still in flight at SIGTERM.
            String inFlightImage = "registry.test/delay-" + (preStopPause.toSeconds() + 4) + "/replica-stop-in-flight/clean:1";
            var inFlight = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + a.client().reviewPort() + "/scan")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(ReviewClient.imageReview("in-flight", inFlightImage))).build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(answer -> Map.entry(System.nanoTime(), answer));

            // kubectl delete pod: the pod leaves the endpoints; the kubelet runs preStop, then sends SIGTERM
            service.terminating("a");
            Thread.sleep(preStopPause.toMillis());
            sigtermAt = System.nanoTime();
            a.terminate();
            boolean exited = a.awaitExit(grace);
            Duration sigtermToExit = Duration.ofNanos(System.nanoTime() - sigtermAt);
            Thread.sleep(Math.max(0, LOAD_AFTER_STOP.minus(sigtermToExit).toMillis()));
            flowing.set(false);
            for (Future<?> client : load) {
                client.get(90, TimeUnit.SECONDS);
            }

            String summary = "ReplicaStopUnderLoadIT: " + reviews.get() + " reviews, answered by " + answeredBy
                    + ", " + answeredByStoppedAfterSigterm.get() + " of them by the stopped replica after its SIGTERM, "
                    + retries.get() + " retried, " + lost.size() + " lost; SIGTERM to exit " + sigtermToExit.toMillis() + " ms";
            System.out.println(summary);
            assertThat(exited).as("replica a exited within the grace period " + grace).isTrue();
            assertThat(lost).as(summary).isEmpty();
            assertThat(answeredBy.get("a").get()).as(summary).isPositive();
            assertThat(answeredBy.get("b").get()).as(summary).isPositive();
            var inFlightAnswer = inFlight.get(30, TimeUnit.SECONDS);
            assertThat(inFlightAnswer.getKey()).as("the in-flight review was answered after SIGTERM").isGreaterThan(sigtermAt);
            assertThat(inFlightAnswer.getValue().statusCode()).isEqualTo(200);
            assertThat(ReviewClient.json(inFlightAnswer.getValue().body()).at("/status/allowed").asBoolean())
                    .as(inFlightAnswer.getValue().body()).isTrue();
            assertThat(a.log()).contains("shutdown: stopped taking reviews");
        } finally {
            clients.shutdownNow();
            EndToEnd.closeAll(service, a, b);
        }
    }

    /**
     * One review, sent as kube-apiserver's ImagePolicyWebhook client sends it: a failed call (connection
     * error, 5xx, 429) is tried again after retryBackoff, 1.5 times longer each time, 5 attempts in all. Every
     * fourth review carries a new image whose scan takes 7 s, longer than the preStop pause, so some may still
     * be in flight on the stopped replica at its SIGTERM.
     */
    private void review(URI scan, int client, Duration retryBackoff) throws InterruptedException {
        int n = reviews.incrementAndGet();
        String image = n % 4 == 0 ? "registry.test/delay-7/replica-stop-" + n + "/clean:1" : COMMON_IMAGE;
        String body = ReviewClient.imageReview("client-" + client, image);
        HttpClient http = HttpClient.newHttpClient();
        long backoff = retryBackoff.toMillis();
        String last = "";
        for (int attempt = 1; attempt <= 5; attempt++) {
            long sent = System.nanoTime();
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(scan).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    JsonNode status = ReviewClient.json(answer.body()).path("status");
                    String replica = answer.headers().firstValue(ReviewProxy.REPLICA_HEADER).orElse("?");
                    if (!status.path("allowed").asBoolean()) {
                        lost.add(image + ": not allowed: " + status);
                        return;
                    }
                    answeredBy.computeIfAbsent(replica, r -> new AtomicInteger()).incrementAndGet();
                    if (replica.equals("a") && System.nanoTime() > sigtermAt && sent < sigtermAt) {
                        answeredByStoppedAfterSigterm.incrementAndGet();
                    }
                    return;
                }
                last = answer.statusCode() + " from " + answer.headers().firstValue(ReviewProxy.REPLICA_HEADER).orElse("the proxy");
            } catch (IOException e) {
                last = e.toString();
            }
            retries.incrementAndGet();
            Thread.sleep(backoff);
            backoff = backoff * 3 / 2;
        }
        lost.add(image + ": no answer after 5 attempts, last: " + last);
    }
}
