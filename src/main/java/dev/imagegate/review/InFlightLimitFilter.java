package dev.imagegate.review;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the reviews in flight. Each review holds a thread while it waits for its scans (up to the deadline),
 * so past {@code imagegate.review.max-in-flight} a review gets a fast 429 with {@code Retry-After}, which
 * kube-apiserver retries with backoff, instead of queueing behind slow ones.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class InFlightLimitFilter extends OncePerRequestFilter {

    private final Semaphore permits;
    private final ObjectMapper mapper;
    private final Counter rejected;

    public InFlightLimitFilter(ReviewProperties properties, ObjectMapper mapper, MeterRegistry meters) {
        this.permits = new Semaphore(properties.maxInFlight());
        this.mapper = mapper;
        this.rejected = meters.counter("imagegate.reviews.rejected", "reason", "too-many-in-flight");
        Gauge.builder("imagegate.reviews.in.flight", permits, p -> properties.maxInFlight() - p.availablePermits())
                .register(meters);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return request.getRequestURI().startsWith("/actuator");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!permits.tryAcquire()) {
            rejected.increment();
            response.setStatus(429);
            response.setHeader("Retry-After", "1");
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            mapper.writeValue(response.getOutputStream(), new ErrorResponse("too many reviews in flight, retry shortly"));
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        };
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new ReleaseOnCompletion(release));
            } else {
                release.run();
            }
        }
    }

    /** The review's route runs after the servlet thread has returned; its permit is freed when it answers. */
    private record ReleaseOnCompletion(Runnable release) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onError(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A re-dispatch keeps the same permit.
        }
    }
}
