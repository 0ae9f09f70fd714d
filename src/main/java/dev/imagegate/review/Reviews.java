package dev.imagegate.review;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.policy.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A review's steps in {@code routes/review.yaml} around the split: it starts under the policy in force when it
 * arrives; it is decided once its scans are done or its deadline has come, each image judged by that same
 * policy; and it is answered. Scans still running at the deadline are pending; they go on, and their result
 * is cached for the API server's next attempt.
 */
@Component("reviews")
public class Reviews {

    /**
     * Histogram buckets, so that latency percentiles can be computed over all replicas (the HTTP server's own
     * timer has none); 20 s is the default deadline, 30 s the API server's timeout.
     */
    private static final Duration[] REVIEW_DURATION_BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
            10000, 20000, 30000).map(Duration::ofMillis).toArray(Duration[]::new);

    private final ReviewReader reader;
    private final PolicyStore policies;
    private final ReviewProperties properties;
    private final ObjectMapper json;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Executor workers;
    private final Counter pendingVerdicts;
    private final Timer reviewDuration;

    public Reviews(ReviewReader reader, PolicyStore policies, ReviewProperties properties, ObjectMapper json,
                   MeterRegistry meters, @Qualifier("reviewWorkers") Executor workers) {
        this.reader = reader;
        this.policies = policies;
        this.properties = properties;
        this.json = json;
        this.clock = Clock.systemUTC();
        this.meters = meters;
        this.workers = workers;
        this.pendingVerdicts = meters.counter("imagegate.verdicts.pending");
        this.reviewDuration = Timer.builder("imagegate.review.duration").description("Time from receiving a review to its decision")
                .serviceLevelObjectives(REVIEW_DURATION_BUCKETS).register(meters);
    }

    /**
     * The review of the ImageReview in this body (400 for anything else), under the policy in force now.
     *
     * @param timeout the caller's {@code ?timeout=}, when it sent one
     */
    public Review start(@Body byte[] body, @Header("timeout") String timeout) {
        return review(reader.read(body).request(), timeout);
    }

    /**
     * A review of this request under the policy in force now, to be decided by the configured deadline or
     * before the caller's timeout runs out, whichever comes first.
     */
    public Review review(ReviewRequest request, String timeout) {
        Instant received = clock.instant();
        return Review.of(request, policies.current(), received,
                received.plus(CallerTimeout.deadline(properties.deadline(), timeout)));
    }

    /**
     * The decision, once every scan and signature check of the review has finished or its deadline has come,
     * without holding a thread meanwhile: at once, on the calling thread, when nothing is running (every image
     * cached, decided by a rule, or invalid); otherwise later, on a review worker.
     */
    public CompletableFuture<Decision> decide(Review review) {
        CompletableFuture<?>[] running = review.checks().values().stream().flatMap(ImageCheck::running)
                .filter(check -> !check.isDone()).toArray(CompletableFuture[]::new);
        if (running.length == 0) {
            return CompletableFuture.completedFuture(decided(review));
        }
        long remaining = Math.max(0, review.deadline().toEpochMilli() - clock.millis());
        // Whatever has not finished well by then is judged as pending.
        return CompletableFuture.allOf(running).completeOnTimeout(null, remaining, TimeUnit.MILLISECONDS)
                .handleAsync((finished, failed) -> decided(review), workers);
    }

    private Decision decided(Review review) {
        Decision decision = review.decision(clock.instant());
        pendingVerdicts.increment(decision.verdicts().stream().filter(v -> v.status() == Verdict.Status.PENDING).count());
        meters.counter("imagegate.reviews", "decision", decision.allowed() ? "allowed" : "denied").increment();
        reviewDuration.record(Duration.between(review.received(), decision.decidedAt()));
        return decision;
    }

    /**
     * The ImageReview answer as JSON, in a ByteBuffer: Vert.x writes that at once with its Content-Length (a byte[]
     * would be streamed in chunks through a worker thread).
     */
    public ByteBuffer answer(Decision decision) throws JsonProcessingException {
        return ByteBuffer.wrap(json.writeValueAsBytes(ImageReviewResponse.of(decision)));
    }
}
