package dev.imagegate.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.Semaphore;

/**
 * Bounds the reviews in flight. A review waiting for its scans holds no thread, but it holds its request, its
 * connection and its checks until its deadline, so past {@code imagegate.review.max-in-flight} a request gets a fast 429 with {@code Retry-After},
 * which kube-apiserver retries with backoff, before its body is read and instead of queueing behind slow ones.
 */
final class InFlightLimit implements Handler<RoutingContext> {

    static final String TOO_MANY = "too many reviews in flight, retry shortly";

    private final Semaphore permits;
    private final Counter rejected;

    InFlightLimit(int maxInFlight, MeterRegistry meters) {
        this.permits = new Semaphore(maxInFlight);
        this.rejected = meters.counter("imagegate.reviews.rejected", "reason", "too-many-in-flight");
        Gauge.builder("imagegate.reviews.in.flight", permits, p -> maxInFlight - p.availablePermits()).register(meters);
    }

    @Override
    public void handle(RoutingContext request) {
        if (!permits.tryAcquire()) {
            rejected.increment();
            request.response().putHeader("Retry-After", "1");
            HttpErrors.send(request, 429, TOO_MANY);
            return;
        }
        // Called once: when the answer is written, or the connection fails or closes first.
        request.addEndHandler(done -> permits.release());
        request.next();
    }
}
