package dev.imagegate.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times each request on the review port as {@code http_server_requests_seconds}, with the tags Spring MVC gives
 * the actuator's requests, so the series the README and dashboards use keep covering {@code POST /scan}.
 */
final class RequestMetrics implements Handler<RoutingContext> {

    /** The paths reviews come in by; anything else is one "UNKNOWN" series, so scanners cannot grow the registry. */
    static final Set<String> DOORS = Set.of("/scan", "/validate", "/mutate");

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
        String path = request.request().path();
        String uri = DOORS.contains(path) ? path : "UNKNOWN";
        int status = request.response().getStatusCode();
        return timers.computeIfAbsent(method + " " + uri + " " + status, key -> Timer.builder("http.server.requests")
                .tags("method", method, "uri", uri, "status", String.valueOf(status),
                        "outcome", Outcome.forStatus(status).name(), "exception", "none", "error", "none")
                .register(meters));
    }
}
