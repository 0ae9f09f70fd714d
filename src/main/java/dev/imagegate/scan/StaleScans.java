package dev.imagegate.scan;

import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.trivy.TrivyDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * After trivy's vulnerability DB is updated, the cached results scanned with an older DB are scanned again,
 * so a newly published CVE reaches cached images within one DB refresh instead of one cache TTL. Lowest
 * priority: one rescan at a time, started (by the {@code stale-rescans} timer) only while no review's scan
 * waits for a slot; the old result is served until the new one is in.
 */
@Component
public class StaleScans {

    private static final Logger log = LoggerFactory.getLogger(StaleScans.class);

    private final Scanner scanner;
    private final TrivyDatabase database;
    private final Counter rescans;
    private CompletableFuture<ScanOutcome> running = CompletableFuture.completedFuture(null);
    /** Digests rescanned for the current DB: one whose rescan failed is not retried until the next DB. */
    private final Set<String> rescanned = new HashSet<>();
    private Instant rescannedFor;

    public StaleScans(Scanner scanner, TrivyDatabase database, MeterRegistry meters) {
        this.scanner = scanner;
        this.database = database;
        this.rescans = Counter.builder("imagegate.stale.rescans")
                .description("Cached results scanned again because trivy's vulnerability DB was updated").register(meters);
    }

    /** Starts the rescan of one stale result, unless one is running, the scanner is busy or none is stale. */
    public synchronized void rescanNext() {
        Instant current = database.updatedAt();
        if (current == null || !running.isDone() || !scanner.idle()) {
            return;
        }
        if (!current.equals(rescannedFor)) {
            rescanned.clear();
            rescannedFor = current;
        }
        nextStale(current).ifPresent(byDigest -> {
            rescanned.add(byDigest);
            rescans.increment();
            log.debug("rescanning {}: scanned with an older vulnerability DB than {}", byDigest, current);
            running = scanner.rescan(byDigest);
        });
    }

    private Optional<String> nextStale(Instant current) {
        for (Map.Entry<String, CompletableFuture<ScanOutcome>> result : scanner.results().entrySet()) {
            CompletableFuture<ScanOutcome> outcome = result.getValue();
            if (outcome.isDone() && !outcome.isCompletedExceptionally()
                    && outcome.join() instanceof ScanOutcome.Scanned scanned
                    && scanned.report().dbUpdatedAt() != null && scanned.report().dbUpdatedAt().isBefore(current)
                    && !rescanned.contains(result.getKey())) {
                return Optional.of(result.getKey());
            }
        }
        return Optional.empty();
    }
}
