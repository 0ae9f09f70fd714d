package dev.imagegate.server;

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
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /scan}: Camel's Vert.x platform-http server on {@code imagegate.review.port}, in front of the
 * routes' {@code platform-http:} consumers. It adds what {@link VertxPlatformHttpServerConfiguration} cannot set at
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

    private final ReviewProperties properties;
    private final SslBundle tls;
    private final List<Handler<RoutingContext>> gates;
    private final ReviewBodyReader bodyReader;
    private final Vertx vertx;
    private volatile HttpServer server;

    ReviewServer(ReviewProperties properties, SslBundle tls, Vertx vertx, List<Handler<RoutingContext>> gates) {
        super(configuration(properties));
        this.properties = properties;
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
        router.route().handler(ReviewServer::compressOnlyLargeAnswers);
        gates.forEach(gate -> router.route().handler(gate));
        router.route().handler(TimeoutHandler.create(properties.deadline().toMillis() + OVERALL_MARGIN_MILLIS, 503));
        router.route("/*").subRouter(VertxPlatformHttpRouter.lookup(getCamelContext(), routerName()));
        HttpErrors.answerRouterFailures(router);
        server = getVertx().createHttpServer(options()).requestHandler(router);
        server.listen(getConfigurationPort(), getHost()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        log.info("reviews served on {} {} port {}", tls != null ? "HTTPS (client certificate required)" : "HTTP", getHost(),
                server.actualPort());
    }

    @Override
    protected void stopServer() {
        HttpServer running = server;
        if (running != null) {
            running.close().toCompletionStage().toCompletableFuture().join();
            server = null;
        }
    }

    /** Serves rotated certificate files to new connections; the ones open keep their session. */
    void rotate(SslBundle rotated) {
        HttpServer running = server;
        if (running != null) {
            running.updateSSLOptions(new SSLOptions().setKeyCertOptions(keyCert(rotated)).setTrustOptions(trust(rotated)))
                    .onSuccess(updated -> log.info("serving the rotated certificate of imagegate.review.ssl-bundle"))
                    .onFailure(failure -> log.error("could not serve the rotated certificate: {}", failure.getMessage()));
        }
    }

    private HttpServerOptions options() {
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout(IDLE_SECONDS)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setCompressionSupported(true)
                // The API server speaks HTTP/1.1; one protocol to bound and to reason about.
                .setHttp2ClearTextEnabled(false);
        if (tls != null) {
            options.setSsl(true).setClientAuth(ClientAuth.REQUIRED).setKeyCertOptions(keyCert(tls)).setTrustOptions(trust(tls));
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
