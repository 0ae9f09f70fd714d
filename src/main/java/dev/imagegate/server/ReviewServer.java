package dev.imagegate.server;

import dev.imagegate.admission.AdmissionProperties;
import dev.imagegate.review.ReviewProperties;
import io.vertx.core.Handler;
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
import java.util.concurrent.TimeUnit;

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
    private volatile HttpServer server;
    private volatile HttpServer admissionServer;

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
        configuration.setMaxBodySize(properties.maxBodySize().toBytes());
        return configuration;
    }

    @Override
    protected Vertx lookupVertx() {
        return vertx;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
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
        server = listen(router, getConfigurationPort(), ClientAuth.REQUIRED);
        log.info("reviews served on {} port {}", tls != null ? "HTTPS (client certificate required)" : "HTTP", server.actualPort());
        // One router for both ports: the admission doors are the same routes, with the same limits, whichever port.
        admissionServer = listen(router, admission.port(), clientAuth(admission.clientAuth()));
        log.info("admission webhooks (/validate, /mutate) served on {} port {}", tls != null
                ? "HTTPS (client certificate " + admission.clientAuth().name().toLowerCase(Locale.ROOT) + ")" : "HTTP",
                admissionServer.actualPort());
    }

    private HttpServer listen(Router router, int port, ClientAuth clientAuth) throws Exception {
        HttpServer listening = getVertx().createHttpServer(options(clientAuth)).requestHandler(router);
        listening.listen(port, getHost()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return listening;
    }

    @Override
    protected void stopServer() {
        for (HttpServer running : new HttpServer[] {server, admissionServer}) {
            if (running != null) {
                running.close().toCompletionStage().toCompletableFuture().join();
            }
        }
        server = null;
        admissionServer = null;
    }

    /** The port the admission webhooks are served on, once started. */
    public int admissionPort() {
        HttpServer running = admissionServer;
        return running != null ? running.actualPort() : admission.port();
    }

    /** Serves rotated certificate files to new connections; the ones open keep their session. */
    void rotate(SslBundle rotated) {
        for (HttpServer running : new HttpServer[] {server, admissionServer}) {
            if (running != null) {
                running.updateSSLOptions(new SSLOptions().setKeyCertOptions(keyCert(rotated)).setTrustOptions(trust(rotated)))
                        .onSuccess(updated -> log.info("serving the rotated certificate of imagegate.review.ssl-bundle on port {}",
                                running.actualPort()))
                        .onFailure(failure -> log.error("could not serve the rotated certificate: {}", failure.getMessage()));
            }
        }
    }

    /**
     * The admission port serves the admission doors alone: {@code /scan} stays behind the review port's mutual
     * TLS, since a client without a certificate may reach the admission port.
     */
    private void admissionPortServesOnlyWebhooks(RoutingContext request) {
        HttpServer admitting = admissionServer;
        if (admitting != null && request.request().localAddress().port() == admitting.actualPort()
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
