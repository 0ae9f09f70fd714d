package dev.imagegate.scan;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagegate.cache.CacheProperties;
import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
import dev.imagegate.process.ProcessSlots;
import dev.imagegate.process.ScannerBusyException;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.tags.TagResolver;
import dev.imagegate.tags.UnresolvedTagException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Scan results for images, reused until they expire. Concurrent requests for the same uncached image share
 * one trivy run (the cache holds the running scan), at most {@code imagegate.scan.max-concurrent} trivy
 * processes run at once, and a bounded queue holds the rest.
 */
@Component
public class Scanner {

    private static final Logger log = LoggerFactory.getLogger(Scanner.class);

    private final ProducerTemplate trivy;
    private final ThreadPoolExecutor scanSlots;
    private final AsyncLoadingCache<String, ScanOutcome> results;
    private final MeterRegistry meters;
    private final Timer scanDuration;
    private final ScanProperties properties;
    private final TagResolver tags;

    public Scanner(ProducerTemplate trivy, ScanProperties properties, CacheProperties cache, MeterRegistry meters,
                   TagResolver tags) {
        this.trivy = trivy;
        this.tags = tags;
        this.properties = properties;
        this.meters = meters;
        this.scanSlots = ProcessSlots.of("trivy-scan", properties.maxConcurrent(), properties.queueSize());
        this.results = Caffeine.newBuilder()
                .maximumSize(cache.maxSize())
                .expireAfter(expiry(cache))
                .refreshAfterWrite(cache.refreshAfter())
                .recordStats()
                .buildAsync((String byDigest, Executor unused) -> start(ImageReference.parse(byDigest)));
        this.scanDuration = Timer.builder("imagegate.scan.duration").description("Time trivy took per image")
                .publishPercentiles(0.5, 0.99).register(meters);
        FunctionCounter.builder("imagegate.scan.cache", results, c -> c.synchronous().stats().hitCount())
                .tag("result", "hit").register(meters);
        FunctionCounter.builder("imagegate.scan.cache", results, c -> c.synchronous().stats().missCount())
                .tag("result", "miss").register(meters);
        Gauge.builder("imagegate.scans.in.flight", scanSlots, ThreadPoolExecutor::getActiveCount).register(meters);
        Gauge.builder("imagegate.scans.queued", scanSlots, s -> s.getQueue().size()).register(meters);
    }

    /**
     * The digest {@code image} stands for now, as {@link TagResolver} knows it (at once for a tag looked up
     * within its TTL): the image a scan of it judges.
     */
    public CompletableFuture<ImageReference> pin(ImageReference image) {
        return tags.pin(image);
    }

    /**
     * The scan of the image {@code pinned} completes with: cached, already running, or started now. Results
     * are kept per digest. A tag its registry cannot resolve is a scan failure; a running scan fails with a
     * {@link ScannerBusyException} when the scanner had no room for it.
     */
    public CompletableFuture<ScanOutcome> scan(CompletableFuture<ImageReference> pinned) {
        // One lookup, counted once as a hit or a miss.
        return pinned.thenCompose(image -> results.get(image.byDigest())).exceptionally(Scanner::unresolved);
    }

    /** The results per {@code repository@digest}, running scans included; removing one forgets it. */
    public ConcurrentMap<String, CompletableFuture<ScanOutcome>> results() {
        return results.asMap();
    }

    /** Scans {@code byDigest} again; its current result is served until the new one is in. */
    public CompletableFuture<ScanOutcome> rescan(String byDigest) {
        return results.synchronous().refresh(byDigest);
    }

    /** True when no scan waits for a slot and a slot is free: work that can wait may use it. */
    public boolean idle() {
        return scanSlots.getQueue().isEmpty() && scanSlots.getActiveCount() < properties.maxConcurrent();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void prewarm() {
        for (String image : properties.prewarm()) {
            try {
                scan(pin(ImageReference.parse(image)));
            } catch (InvalidImageReferenceException e) {
                log.warn("imagegate.scan.prewarm: skipping {}: {}", image, e.getMessage());
            }
        }
    }

    private CompletableFuture<ScanOutcome> start(ImageReference image) {
        try {
            return CompletableFuture.supplyAsync(() -> run(image), scanSlots);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ScannerBusyException());
        }
    }

    private ScanOutcome run(ImageReference image) {
        ScanOutcome outcome = scanDuration.record(() -> runTrivy(image));
        meters.counter("imagegate.scans", "outcome", outcome instanceof ScanOutcome.Scanned ? "scanned" : "failed")
                .increment();
        if (outcome instanceof ScanOutcome.ScanFailed failed) {
            log.info("scan of {} failed: {}", image.original(), failed.reason());
        }
        return outcome;
    }

    private ScanOutcome runTrivy(ImageReference image) {
        try {
            return trivy.requestBody("direct:run-trivy", image, ScanOutcome.class);
        } catch (RuntimeException e) {
            log.warn("scan route failed for {}", image.original(), e);
            return new ScanOutcome.ScanFailed("could not run the scan: " + e.getClass().getSimpleName());
        }
    }

    @PreDestroy
    void stop() {
        scanSlots.shutdownNow();
    }

    /** A tag whose registry cannot say what it points to is a scan error; anything else stays as it failed. */
    private static ScanOutcome unresolved(Throwable failure) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof UnresolvedTagException unresolved) {
            return new ScanOutcome.ScanFailed(unresolved.getMessage());
        }
        throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
    }

    private static Expiry<String, ScanOutcome> expiry(CacheProperties cache) {
        return Expiry.writing((String key, ScanOutcome outcome) ->
                outcome instanceof ScanOutcome.Scanned ? cache.ttl() : cache.errorTtl());
    }
}
