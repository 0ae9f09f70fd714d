package dev.imagegate.shutdown;

import dev.imagegate.review.ReviewProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * On shutdown (SIGTERM), stops taking reviews and waits for the ones in flight to be answered, which they are
 * within {@code imagegate.review.deadline}. Spring has turned readiness to REFUSING_TRAFFIC by then; this runs
 * next, before the web servers shut down and before Camel drains the alert queues. Suspending the routes that
 * consume from platform-http works the same whichever HTTP engine serves them: new requests get 503 while the
 * answers in flight are written.
 */
@Component
public class ReviewIntake implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReviewIntake.class);
    /** Writing an answer after the deadline takes milliseconds; a second covers a loaded machine. */
    private static final Duration ANSWER_MARGIN = Duration.ofSeconds(1);

    /**
     * Looked up when stopping: a lifecycle bean's dependencies are started with it, and Camel must start only
     * once its routes are loaded, as Camel's Spring Boot support does on ContextRefreshedEvent.
     */
    private final ObjectProvider<CamelContext> camel;
    private final Duration inFlightLimit;
    private volatile boolean running;

    public ReviewIntake(ObjectProvider<CamelContext> camel, ReviewProperties review) {
        this.camel = camel;
        this.inFlightLimit = review.deadline().plus(ANSWER_MARGIN);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        long started = System.nanoTime();
        CamelContext camel = this.camel.getObject();
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof PlatformHttpEndpoint) {
                suspend(camel, route.getRouteId());
            }
        }
        log.info("shutdown: stopped taking reviews; those in flight answered in {} ms",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private void suspend(CamelContext camel, String routeId) {
        try {
            camel.getRouteController().suspendRoute(routeId, inFlightLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("shutdown: could not suspend route {}: {}", routeId, e.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops just before the web servers' graceful shutdown, so they find no review in flight. */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }
}
