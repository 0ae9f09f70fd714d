package dev.imagegate.review;

import dev.imagegate.policy.Policy;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.ImageScan;
import dev.imagegate.scan.ScanOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for the scans of a review until its deadline, has the policy in force judge each image, and
 * combines the verdicts into one decision. Scans still running at the deadline are pending; they go on and their result
 * is cached for the API server's next attempt.
 */
@Component
public class DecisionMaker {

    static final String SCAN_RUNNING = "scan in progress, retry shortly (the result will be cached)";
    static final String SCANNER_BUSY = "scanner is busy with other images, retry shortly";

    private final PolicyStore policies;
    private final ReviewProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter pendingVerdicts;

    public DecisionMaker(PolicyStore policies, ReviewProperties properties, MeterRegistry meters) {
        this.policies = policies;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        this.meters = meters;
        this.pendingVerdicts = meters.counter("imagegate.verdicts.pending");
    }

    public Decision decide(@Body List<ImageScan> scans, @Variable("review") ImageReview review,
                           Exchange exchange) {
        awaitUntil(Instant.ofEpochMilli(exchange.getClock().getCreated()).plus(properties.deadline()), scans);
        Policy policy = policies.current();
        List<String> images = review.images();
        List<Verdict> verdicts = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            ImageScan scan = scans.get(i);
            verdicts.add(policy.judge(images.get(i), outcomeNow(scan.outcome()), review.namespace()).at(scan.digestNow()));
        }
        Decision decision = Decision.of(review.namespace(), verdicts,
                policy.enforcement(review.namespace(), review.annotations()), clock.instant());
        meters.counter("imagegate.reviews", "decision", decision.allowed() ? "allowed" : "denied").increment();
        return decision;
    }

    private void awaitUntil(Instant deadline, List<ImageScan> scans) {
        long remaining = deadline.toEpochMilli() - clock.millis();
        try {
            CompletableFuture.allOf(scans.stream().map(ImageScan::outcome).toArray(CompletableFuture[]::new)).get(Math.max(0, remaining), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Whatever has not finished well is judged as pending below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ScanOutcome outcomeNow(CompletableFuture<ScanOutcome> scan) {
        if (scan.isDone() && !scan.isCompletedExceptionally()) {
            return scan.join();
        }
        pendingVerdicts.increment();
        return new ScanOutcome.Pending(scan.isDone() ? SCANNER_BUSY : SCAN_RUNNING);
    }
}
