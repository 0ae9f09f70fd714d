package dev.imagegate.server;

import dev.imagegate.admission.AdmissionProperties;
import dev.imagegate.review.ReviewProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.impl.VertxBuilder;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Puts {@link ReviewServer} into Camel as a service, as camel-spring-boot's own platform-http tests add
 * Camel's Vert.x server, so that {@code platform-http:} routes are served by Vert.x; Tomcat serves only the
 * actuator on {@code server.port}.
 */
@Configuration(proxyBeanMethods = false)
public class ReviewServerConfiguration {

    /**
     * Room above the in-flight bound for reviews still on a worker thread after their client went away: the
     * permit comes back when the connection closes, the thread when the review is decided.
     */
    static final int WORKER_HEADROOM = 8;

    @Bean(destroyMethod = "close")
    Vertx vertx(ReviewProperties properties) {
        VertxOptions options = new VertxOptions()
                .setWorkerPoolSize(properties.maxInFlight() + WORKER_HEADROOM)
                .setMaxEventLoopExecuteTime(properties.maxEventLoopTime().toMillis())
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                // With the stack of what holds it, from the first warning on.
                .setWarningExceptionTime(properties.maxEventLoopTime().toMillis())
                .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS)
                // Checked often enough to see a hold of that length (Vert.x checks every second by default).
                .setBlockedThreadCheckInterval(Math.max(10, Math.min(1000, properties.maxEventLoopTime().toMillis() / 4)))
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false));
        // VertxBuilder is Vert.x's internal entry point, and the only one that takes an ExecutorServiceFactory.
        return new VertxBuilder(options).executorServiceFactory(new ReviewWorkers()).init().vertx();
    }

    /**
     * Where a review that waited for its scans continues: Vert.x's worker pool ({@link ReviewWorkers}), never the
     * thread that finished the scan or the timer that ended the wait.
     */
    @Bean
    Executor reviewWorkers(Vertx vertx) {
        return task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
    }

    /** Found by Camel's platform-http component under this name, in place of the engine it would create. */
    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    EventLoopEngine platformHttpEngine() {
        return new EventLoopEngine();
    }

    /**
     * A Camel service, started with Camel's services before the routes. Added here rather than through a
     * {@code CamelContextConfiguration}: with one of those, camel-spring-boot registers an event notifier that
     * ignores no event, and Camel then creates exchange events for every exchange and split part.
     */
    @Bean
    ReviewServer reviewServer(ReviewProperties properties, AdmissionProperties admission, SslBundles bundles, Vertx vertx,
                              MeterRegistry meters, CamelContext camel) throws Exception {
        SslBundle tls = properties.tls() ? bundles.getBundle(properties.sslBundle()) : null;
        ReviewServer server = new ReviewServer(properties, admission, tls, vertx,
                List.of(new RequestMetrics(meters), new InFlightLimit(properties.maxInFlight(), meters)));
        if (tls != null) {
            bundles.addBundleUpdateHandler(properties.sslBundle(), server::rotate);
        }
        camel.addService(server);
        return server;
    }
}
