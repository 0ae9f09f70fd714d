package dev.imagegate.review;

import dev.imagegate.policy.PolicyStore;
import dev.imagegate.policy.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A review's start and end in {@code routes/review.yaml}: it starts under the policy in force when it arrives,
 * and is decided once its scans are done or its deadline has come, each image judged by that same policy.
 * Scans still running at the deadline are pending; they go on, and their result is cached for the API
 * server's next attempt.
 */
@Component("reviews")
public class Reviews {

    private final PolicyStore policies;
    private final ReviewProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter pendingVerdicts;

    public Reviews(PolicyStore policies, ReviewProperties properties, MeterRegistry meters) {
        this.policies = policies;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        this.meters = meters;
        this.pendingVerdicts = meters.counter("imagegate.verdicts.pending");
    }

    /** The review of this request, under the policy in force now. */
    public Review start(ImageReview request) {
        return Review.of(request, policies.current(), clock.instant());
    }

    public Decision decide(Review review) {
        awaitScans(review);
        Decision decision = review.decision(clock.instant());
        pendingVerdicts.increment(decision.verdicts().stream().filter(v -> v.status() == Verdict.Status.PENDING).count());
        meters.counter("imagegate.reviews", "decision", decision.allowed() ? "allowed" : "denied").increment();
        return decision;
    }

    private void awaitScans(Review review) {
        CompletableFuture<?>[] scans = review.checks().values().stream().map(ImageCheck::scan)
                .filter(scan -> scan != null).toArray(CompletableFuture[]::new);
        long remaining = review.received().plus(properties.deadline()).toEpochMilli() - clock.millis();
        try {
            CompletableFuture.allOf(scans).get(Math.max(0, remaining), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Whatever has not finished well is judged as pending.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
