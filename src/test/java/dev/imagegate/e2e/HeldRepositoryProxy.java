package dev.imagegate.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback front for {@link LocalRegistry} that holds every GET for one repository until the test releases
 * it, and passes everything else straight through: a scan of an image there outlasts ImageGate's review deadline
 * for as long as the test wants, with the real trivy pulling through a real registry API. Tag lookups (the HEAD
 * of a manifest that {@code crane digest} sends) pass, so the image is pinned and only its pull waits.
 */
final class HeldRepositoryProxy implements AutoCloseable {

    /** Headers java.net.http sets itself, and hop-by-hop ones. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive", "date");

    private final LocalRegistry registry;
    private final String heldPath;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newHttpClient();
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();

    private HeldRepositoryProxy(LocalRegistry registry, String heldRepository) throws IOException {
        this.registry = registry;
        this.heldPath = "/v2/" + heldRepository + "/";
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::forward);
        server.start();
    }

    static HeldRepositoryProxy start(LocalRegistry registry, TestImage held) throws IOException {
        return new HeldRepositoryProxy(registry, held.repository());
    }

    /** The image's reference through this proxy, as a pod spec names it. */
    String reference(TestImage image, String tag) {
        return "127.0.0.1:" + server.getAddress().getPort() + "/" + image.repository() + ":" + tag;
    }

    /** How many GETs for the held repository have arrived (and are held, until {@link #release()}). */
    int heldRequests() {
        return held.get();
    }

    void release() {
        released.countDown();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (path.startsWith(heldPath) && exchange.getRequestMethod().equals("GET")) {
                held.incrementAndGet();
                if (!released.await(5, TimeUnit.MINUTES)) {
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
            }
            String query = exchange.getRequestURI().getRawQuery();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + registry.host() + path
                    + (query == null ? "" : "?" + query)));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            // trivy only pulls: GET and HEAD, without bodies
            request.method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            if (exchange.getRequestMethod().equals("HEAD")) {
                // no body, but the registry's Content-Length: the manifest's size, which clients read
                response.headers().firstValue("content-length").ifPresent(length -> exchange.getResponseHeaders().set("Content-Length", length));
                exchange.sendResponseHeaders(response.statusCode(), -1);
            } else {
                byte[] body = response.body();
                exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
                exchange.getResponseBody().write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
