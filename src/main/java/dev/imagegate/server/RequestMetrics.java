package dev.imagegate.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * Times each request on the review port as {@code http_server_requests_seconds}, with the tags Spring MVC gives
 * the actuator's requests, so the series the README and dashboards use keep covering {@code POST /scan}.
 */
final class RequestMetrics implements Handler<RoutingContext> {

    static final String REVIEW_PATH = "/scan";

    private final MeterRegistry meters;

    RequestMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void handle(RoutingContext request) {
        long started = System.nanoTime();
        request.addEndHandler(done -> {
            int status = request.response().getStatusCode();
            Tags tags = Tags.of("method", request.request().method().name(),
                    "uri", request.request().path().equals(REVIEW_PATH) ? REVIEW_PATH : "UNKNOWN",
                    "status", String.valueOf(status), "outcome", Outcome.forStatus(status).name(),
                    "exception", "none", "error", "none");
            Timer.builder("http.server.requests").tags(tags).register(meters)
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        });
        request.next();
    }
}
