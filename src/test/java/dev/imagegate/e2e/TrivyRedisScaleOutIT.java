package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client-server-redis variant on its real engine: Debian's redis-server on loopback, two {@code trivy
 * server} processes sharing it with {@code --cache-backend redis://...}, and two packaged ImageGate processes in
 * client mode, each pointed at a different Trivy server, behind one address (ReviewProxy). An image reviewed
 * through one replica is analysed once: the other replica's Trivy client finds its layers in Redis through the
 * other server, which writes nothing to Redis, and both replicas give the same verdict at the same digest.
 */
class TrivyRedisScaleOutIT {

    static final String TOKEN = "scale-out-token";
    static final Duration REVIEW_DEADLINE = Duration.ofMinutes(3);
    static final Pattern COMMAND_STATS = Pattern.compile("cmdstat_(\\w+):calls=(\\d+)");

    @Test
    void anImageAnalysedThroughOneTrivyServerIsFoundInRedisByTheOther() throws Exception {
        EndToEnd.Tools tools = EndToEnd.tools();
        Path redisServer = required("redis-server");
        Path redisCli = required("redis-cli");
        Path work = EndToEnd.workDir("redis-scale-out");
        List<AutoCloseable> peers = new ArrayList<>();
        try {
            LocalRegistry registry = LocalRegistry.start(tools.registry(), work);
            peers.add(registry);
            registry.push(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
            String image = registry.reference(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");

            int redisPort = Ports.free();
            ServerProcess redis = ServerProcess.start("redis", List.of(redisServer.toString(), "--port", String.valueOf(redisPort),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", work.toString()), Map.of(), work);
            peers.add(redis);
            Redis cache = new Redis(redisCli, redisPort);
            redis.await("answer PING", () -> cache.answers("PING").equals("PONG"), Duration.ofSeconds(30));

            List<String> servers = new ArrayList<>();
            for (String name : List.of("trivy-server-1", "trivy-server-2")) {
                int port = Ports.free();
                ServerProcess server = ServerProcess.start(name, List.of(tools.trivy().toString(), "server",
                        "--listen", "127.0.0.1:" + port, "--cache-dir", EndToEnd.fixtureDb(tools, work.resolve(name + "-cache")).toString(),
                        "--skip-db-update", "--token", TOKEN, "--cache-backend", "redis://127.0.0.1:" + redisPort),
                        Map.of("TRIVY_DISABLE_TELEMETRY", "true"), work);
                peers.add(server);
                server.awaitHttp(URI.create("http://127.0.0.1:" + port + "/healthz"), 200, Duration.ofSeconds(60));
                servers.add("http://127.0.0.1:" + port);
            }

            List<ReviewProxy.Replica> replicas = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String name = "imagegate-" + (i + 1);
                ImageGateProcess replica = ImageGateProcess.start(name, Map.of(
                        "imagegate.trivy.command", tools.trivy().toString(),
                        "imagegate.crane.command", tools.crane().toString(),
                        "imagegate.trivy.cache-dir", Files.createDirectories(work.resolve(name + "-client-cache")).toString(),
                        "imagegate.trivy.server", servers.get(i),
                        "imagegate.trivy.token", TOKEN,
                        "imagegate.review.deadline", REVIEW_DEADLINE.toSeconds() + "s",
                        "imagegate.policy.file", EndToEnd.POLICY.toString()), work);
                peers.add(replica);
                replicas.add(new ReviewProxy.Replica(name, replica.client().reviewPort(), replica.managementPort()));
            }
            ReviewProxy service = ReviewProxy.start(replicas, Duration.ofSeconds(1));
            peers.add(service);
            URI scan = URI.create("http://127.0.0.1:" + service.port() + "/scan");

            Map<String, Long> beforeFirst = cache.commandCalls();
            Answer first = review(scan, image);
            Map<String, Long> afterFirst = cache.commandCalls();
            List<String> keys = cache.keys();
            Answer second = review(scan, image);
            Map<String, Long> afterSecond = cache.commandCalls();

            String summary = "TrivyRedisScaleOutIT: first review through " + first.replica() + " in " + first.took().toMillis()
                    + " ms (" + writes(afterFirst) + " Redis writes, " + (reads(afterFirst) - reads(beforeFirst)) + " reads), second through "
                    + second.replica() + " in " + second.took().toMillis() + " ms (" + (writes(afterSecond) - writes(afterFirst))
                    + " writes, " + (reads(afterSecond) - reads(afterFirst)) + " reads); Redis keys: " + keys;
            System.out.println(summary);
            assertThat(first.replica()).as(summary).isNotEqualTo(second.replica());
            assertThat(keys).as(summary).anyMatch(key -> key.startsWith("fanal::artifact::")).anyMatch(key -> key.startsWith("fanal::blob::"));
            assertThat(writes(afterFirst) - writes(beforeFirst)).as("the first analysis stored in Redis: " + summary).isPositive();
            assertThat(writes(afterSecond) - writes(afterFirst)).as("nothing analysed again: " + summary).isZero();
            assertThat(reads(afterSecond) - reads(afterFirst)).as("the second server read the cache: " + summary).isPositive();
            assertThat(cache.keys()).as("no new cache entries").isEqualTo(keys);

            assertThat(first.status().path("allowed").asBoolean()).as(first.status().toString()).isFalse();
            assertThat(first.status().path("reason").asText()).contains("CVE-2024-6119");
            assertThat(second.status().path("allowed")).isEqualTo(first.status().path("allowed"));
            assertThat(second.status().path("reason")).isEqualTo(first.status().path("reason"));
            assertThat(second.status().at("/auditAnnotations/image-digests").asText())
                    .isEqualTo(first.status().at("/auditAnnotations/image-digests").asText()).contains("@sha256:");
        } finally {
            Collections.reverse(peers);
            EndToEnd.closeAll(peers.toArray(AutoCloseable[]::new));
        }
    }

    /** One review's answer, the replica that gave it and how long it took. */
    record Answer(JsonNode status, String replica, Duration took) {
    }

    /**
     * Sends the review as the API server does. The replicas wait for scans up to REVIEW_DEADLINE, far past the
     * few seconds a scan takes here, so the answer is the verdict (a "scan in progress" retry could land on the
     * other replica and blur which one analysed the image).
     */
    private static Answer review(URI scan, String image) throws IOException, InterruptedException {
        long started = System.nanoTime();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(scan)
                        .header("Content-Type", "application/json").timeout(REVIEW_DEADLINE.plusSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(ReviewClient.imageReview("scale-out", image))).build(),
                HttpResponse.BodyHandlers.ofString());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode status = ReviewClient.json(answer.body()).path("status");
        assertThat(status.path("reason").asText()).as("a verdict, not pending").doesNotContain("scan in progress");
        return new Answer(status, answer.headers().firstValue(ReviewProxy.REPLICA_HEADER).orElse("?"), took);
    }

    private static long writes(Map<String, Long> calls) {
        return calls.entrySet().stream().filter(e -> e.getKey().matches("set|setex|psetex|mset|hset|sadd|rpush|lpush|del|expire"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static long reads(Map<String, Long> calls) {
        return calls.entrySet().stream().filter(e -> e.getKey().matches("get|mget|exists|hget|hgetall|smembers|lrange"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static Path required(String command) {
        Optional<Path> found = EndToEnd.onPath(command, Path.of("/usr/bin"));
        if (found.isEmpty()) {
            String message = "REDIS SCALE-OUT TEST SKIPPED: missing " + command + " (apt-get install redis-server). "
                    + ".ci/run installs it (tools/install.sh packages).";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        return found.get();
    }

    /** redis-cli against the loopback Redis. */
    record Redis(Path cli, int port) {

        String answers(String... command) {
            List<String> line = new ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port)));
            line.addAll(List.of(command));
            try {
                return EndToEnd.run(EndToEnd.PROJECT, line).strip();
            } catch (IllegalStateException notYet) {
                return "";
            }
        }

        /** Calls per command since the server started ({@code INFO commandstats}). */
        Map<String, Long> commandCalls() {
            Map<String, Long> calls = new HashMap<>();
            Matcher stat = COMMAND_STATS.matcher(answers("INFO", "commandstats"));
            while (stat.find()) {
                calls.put(stat.group(1), Long.parseLong(stat.group(2)));
            }
            return calls;
        }

        List<String> keys() {
            return answers("--scan").lines().filter(key -> !key.isBlank()).sorted().toList();
        }
    }
}
