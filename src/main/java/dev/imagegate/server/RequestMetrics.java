package dev.imagegate.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times each request on the review port as {@code http_server_requests_seconds}, with the tags Spring MVC gives
 * the actuator's requests, so the series the README and dashboards use keep covering {@code POST /scan}.
 */
final class RequestMetrics implements Handler<RoutingContext> {

    static final String REVIEW_PATH = "/scan";

    private final MeterRegistry meters;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void handle(RoutingContext request) {
        long started = System.nanoTime();
        request.addEndHandler(done -> timer(request).record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
        request.next();
    }

    private Timer timer(RoutingContext request) {
        String method = request.request().method().name();
        String uri = request.request().path().equals(REVIEW_PATH) ? REVIEW_PATH : "UNKNOWN";
        int status = request.response().getStatusCode();
        return timers.computeIfAbsent(method + " " + uri + " " + status, key -> Timer.builder("http.server.requests")
                .tags("method", method, "uri", uri, "status", String.valueOf(status),
                        "outcome", Outcome.forStatus(status).name(), "exception", "none", "error", "none")
                .register(meters));
    }
}
