package dev.imagegate.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Service in front of ImageGate replicas, on loopback: each {@code POST /scan} goes, round robin, to one
 * replica among its endpoints, which are the replicas whose readiness answered 200 at the last poll (as the
 * endpoints controller keeps them from the kubelet's probes), less those taken out as terminating (a pod being
 * deleted leaves the endpoints at once). The answer names the replica in {@code X-Replica}; a replica that
 * cannot be reached gives 502, as a connection kube-proxy sends to a gone pod fails.
 */
final class ReviewProxy implements AutoCloseable {

    static final String REPLICA_HEADER = "X-Replica";

    /** One replica: where it answers reviews and readiness. */
    record Replica(String name, int reviewPort, int managementPort) {
    }

    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(32);
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Replica> replicas;
    private final List<Replica> endpoints = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> terminating = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    private ReviewProxy(List<Replica> replicas, Duration probePeriod) throws IOException {
        this.replicas = List.copyOf(replicas);
        probe();
        prober.scheduleWithFixedDelay(this::probe, probePeriod.toMillis(), probePeriod.toMillis(), TimeUnit.MILLISECONDS);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.createContext("/", this::forward);
        server.setExecutor(workers);
        server.start();
    }

    /** Starts the proxy; endpoints follow each replica's readiness, polled every {@code probePeriod}. */
    static ReviewProxy start(List<Replica> replicas, Duration probePeriod) throws IOException {
        return new ReviewProxy(replicas, probePeriod);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The pod is being deleted: it leaves the endpoints now, whatever its readiness says. */
    void terminating(String replica) {
        terminating.put(replica, true);
        endpoints.removeIf(endpoint -> endpoint.name().equals(replica));
    }

    List<String> endpoints() {
        return endpoints.stream().map(Replica::name).toList();
    }

    private void probe() {
        for (Replica replica : replicas) {
            boolean ready = !terminating.containsKey(replica.name()) && ready(replica);
            if (ready && !endpoints.contains(replica)) {
                endpoints.add(replica);
            } else if (!ready) {
                endpoints.remove(replica);
            }
        }
    }

    private boolean ready(Replica replica) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.managementPort()
                            + "/actuator/health/readiness")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException unreachable) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            List<Replica> ready = List.copyOf(endpoints);
            if (ready.isEmpty()) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            Replica replica = ready.get(Math.floorMod(next.getAndIncrement(), ready.size()));
            exchange.getResponseHeaders().add(REPLICA_HEADER, replica.name());
            try {
                HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.reviewPort()
                                + exchange.getRequestURI()))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                answer.headers().firstValue("Content-Type").ifPresent(type -> exchange.getResponseHeaders().add("Content-Type", type));
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                exchange.getResponseBody().write(answer.body());
            } catch (IOException unreachable) {
                exchange.sendResponseHeaders(502, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        prober.shutdownNow();
        workers.shutdownNow();
    }
}
