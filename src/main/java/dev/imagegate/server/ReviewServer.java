package dev.imagegate.server;

import dev.imagegate.admission.AdmissionProperties;
import dev.imagegate.review.ReviewProperties;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.SSLOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.TimeoutHandler;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code POST /scan}, {@code /validate} and {@code /mutate}: Camel's Vert.x platform-http server on
 * {@code imagegate.review.port}, in front of the routes' {@code platform-http:} consumers, and the same routes
 * on {@code imagegate.admission.port} for {@code /validate} and {@code /mutate} only. It adds what {@link VertxPlatformHttpServerConfiguration} cannot set at
 * Camel 4.17, which is why it replaces how the server is started: HTTPS that requires the API server's client
 * certificate (with certificates rotated while it runs), the in-flight bound decided before any body is read,
 * idle and overall time limits, 16 KB of headers as the API server may send, and JSON for every error.
 */
public class ReviewServer extends VertxPlatformHttpServer {

    private static final Logger log = LoggerFactory.getLogger(ReviewServer.class);
    /** Connections idle this long are closed; longer than any review waits, as kube-apiserver keeps them alive. */
    static final int IDLE_SECONDS = 60;
    /** Past the deadline, a review whose route is stuck still gets an answer (503), and its permit back. */
    static final long OVERALL_MARGIN_MILLIS = 8_000;
    static final int MAX_HEADER_SIZE = 16 * 1024;
    /** Under this, gzip costs the API server more CPU than the bytes it saves (a one-image answer is ~450 bytes). */
    static final int COMPRESSION_THRESHOLD = 2048;

    /** The only paths the admission port serves. */
    static final Set<String> ADMISSION_DOORS = Set.of("/validate", "/mutate");

    private final ReviewProperties properties;
    private final AdmissionProperties admission;
    private final SslBundle tls;
    private final List<Handler<RoutingContext>> gates;
    private final ReviewBodyReader bodyReader;
    private final Vertx vertx;
    /**
     * One server per core, each on an event loop of its own, sharing the port (Vert.x hands each new connection
     * to the next): the review routes run on the event loop that read the request, so one server would put
     * every review on one core.
     */
    private static final int EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
    /** Port 0 (any free port) as Vert.x spells it for servers that must share the same one. */
    private static final int SHARED_FREE_PORT = -1;
    private static final int SHARED_FREE_ADMISSION_PORT = -2;

    private volatile List<HttpServer> servers = List.of();
    private volatile List<HttpServer> admissionServers = List.of();
    private final List<String> deployments = new CopyOnWriteArrayList<>();

    ReviewServer(ReviewProperties properties, AdmissionProperties admission, SslBundle tls, Vertx vertx,
                 List<Handler<RoutingContext>> gates) {
        super(configuration(properties));
        this.properties = properties;
        this.admission = admission;
        this.tls = tls;
        this.gates = gates;
        this.bodyReader = new ReviewBodyReader(properties.maxBodySize().toBytes(), properties.readTimeout());
        this.vertx = vertx;
    }

    private static VertxPlatformHttpServerConfiguration configuration(ReviewProperties properties) {
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindPort(properties.port());
        configuration.setBindHost(properties.address().getHostAddress());
        configuration.setMaxBodySize(properties.maxBodySize().toBytes());
        return configuration;
    }

    @Override
    protected Vertx lookupVertx() {
        return vertx;
    }

    @Override
    public HttpServer getServer() {
        return servers.isEmpty() ? null : servers.get(0);
    }

    @Override
    public int getPort() {
        HttpServer server = getServer();
        return server != null ? server.actualPort() : getConfigurationPort();
    }

    @Override
    protected void initializeServer() {
        super.initializeServer();
        // The router platform-http consumers add their routes to, with our body reader in place of BodyHandler.
        String name = routerName();
        VertxPlatformHttpRouter consumers = VertxPlatformHttpRouter.lookup(getCamelContext(), name);
        getCamelContext().getRegistry().unbind(name);
        getCamelContext().getRegistry().bind(name, new VertxPlatformHttpRouter(this, getVertx(), consumers, name) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                return bodyReader;
            }
        });
    }

    @Override
    protected void startServer() throws Exception {
        Router router = Router.router(getVertx());
        router.route().handler(this::admissionPortServesOnlyWebhooks);
        router.route().handler(ReviewServer::compressOnlyLargeAnswers);
        gates.forEach(gate -> router.route().handler(gate));
        router.route().handler(TimeoutHandler.create(properties.deadline().toMillis() + OVERALL_MARGIN_MILLIS, 503));
        router.route("/*").subRouter(VertxPlatformHttpRouter.lookup(getCamelContext(), routerName()));
        HttpErrors.answerRouterFailures(router);
        servers = listen(router, getConfigurationPort(), SHARED_FREE_PORT, ClientAuth.REQUIRED);
        log.info("reviews served on {} {} port {} ({} event loops)", tls != null ? "HTTPS (client certificate required)" : "HTTP",
                getHost(), getPort(), EVENT_LOOPS);
        // One router for both ports: the admission doors are the same routes, with the same limits, whichever port.
        admissionServers = listen(router, admission.port(), SHARED_FREE_ADMISSION_PORT, clientAuth(admission.clientAuth()));
        log.info("admission webhooks (/validate, /mutate) served on {} {} port {}", tls != null
                ? "HTTPS (client certificate " + admission.clientAuth().name().toLowerCase(Locale.ROOT) + ")" : "HTTP",
                getHost(), admissionPort());
    }

    /** {@link #EVENT_LOOPS} servers on {@code port}, each started by a verticle instance: on an event loop of its own. */
    private List<HttpServer> listen(Router router, int port, int sharedFreePort, ClientAuth clientAuth) throws Exception {
        HttpServerOptions options = options(clientAuth);
        int bound = port == 0 ? sharedFreePort : port;
        List<HttpServer> listening = new CopyOnWriteArrayList<>();
        String deployment = getVertx().deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                vertx.createHttpServer(options).requestHandler(router).listen(bound, getHost())
                        .onSuccess(server -> {
                            listening.add(server);
                            started.complete();
                        })
                        .onFailure(started::fail);
            }
        }, new DeploymentOptions().setInstances(EVENT_LOOPS)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        deployments.add(deployment);
        return List.copyOf(listening);
    }

    @Override
    protected void stopServer() {
        // Undeploying closes the deployment's servers.
        for (String deployment : deployments) {
            getVertx().undeploy(deployment).toCompletionStage().toCompletableFuture().join();
        }
        deployments.clear();
        servers = List.of();
        admissionServers = List.of();
    }

    /** The port the admission webhooks are served on, once started. */
    public int admissionPort() {
        List<HttpServer> running = admissionServers;
        return running.isEmpty() ? admission.port() : running.get(0).actualPort();
    }

    /** Serves rotated certificate files to new connections; the ones open keep their session. */
    void rotate(SslBundle rotated) {
        SSLOptions options = new SSLOptions().setKeyCertOptions(keyCert(rotated)).setTrustOptions(trust(rotated));
        Future.all(Stream.concat(servers.stream(), admissionServers.stream()).map(running -> running.updateSSLOptions(options)).toList())
                .onSuccess(updated -> log.info("serving the rotated certificate of imagegate.review.ssl-bundle on ports {} and {}",
                        getPort(), admissionPort()))
                .onFailure(failure -> log.error("could not serve the rotated certificate: {}", failure.getMessage()));
    }

    /**
     * The admission port serves the admission doors alone: {@code /scan} stays behind the review port's mutual
     * TLS, since a client without a certificate may reach the admission port.
     */
    private void admissionPortServesOnlyWebhooks(RoutingContext request) {
        List<HttpServer> admitting = admissionServers;
        if (!admitting.isEmpty() && request.request().localAddress().port() == admitting.get(0).actualPort()
                && !ADMISSION_DOORS.contains(request.request().path())) {
            request.fail(404);
        } else {
            request.next();
        }
    }

    private static ClientAuth clientAuth(AdmissionProperties.ClientAuth setting) {
        return switch (setting) {
            case NONE -> ClientAuth.NONE;
            case WANT -> ClientAuth.REQUEST;
            case NEED -> ClientAuth.REQUIRED;
        };
    }

    private HttpServerOptions options(ClientAuth clientAuth) {
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout(IDLE_SECONDS)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setCompressionSupported(true)
                // The API server speaks HTTP/1.1; one protocol to bound and to reason about.
                .setHttp2ClearTextEnabled(false);
        if (tls != null) {
            options.setSsl(true).setClientAuth(clientAuth).setKeyCertOptions(keyCert(tls)).setTrustOptions(trust(tls));
        }
        return options;
    }

    private static KeyCertOptions keyCert(SslBundle bundle) {
        return KeyCertOptions.wrap(bundle.getManagers().getKeyManagerFactory());
    }

    private static TrustOptions trust(SslBundle bundle) {
        return TrustOptions.wrap(bundle.getManagers().getTrustManagerFactory());
    }

    /** Vert.x gzips whatever a client accepts; an answer that says it is not encoded is left as it is. */
    private static void compressOnlyLargeAnswers(RoutingContext request) {
        request.addHeadersEndHandler(headersWritten -> {
            String length = request.response().headers().get(HttpHeaders.CONTENT_LENGTH);
            if (length != null && Integer.parseInt(length) < COMPRESSION_THRESHOLD) {
                request.response().putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
            }
        });
        request.next();
    }

    private String routerName() {
        return VertxPlatformHttpRouter.getRouterNameFromPort(getConfigurationPort());
    }
}
