package dev.imagegate.scan;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
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

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

    public Scanner(ProducerTemplate trivy, ScanProperties properties, CacheProperties cache, MeterRegistry meters) {
        this.trivy = trivy;
        this.properties = properties;
        this.meters = meters;
        this.scanSlots = scanSlots(properties);
        this.results = Caffeine.newBuilder()
                .maximumSize(cache.maxSize())
                .expireAfter(expiry(cache))
                .refreshAfterWrite(cache.refreshAfter())
                .recordStats()
                .buildAsync((String canonical, Executor unused) -> start(ImageReference.parse(canonical)));
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
     * The scan of {@code image}: cached, already running, or started now. A running scan fails with a
     * {@link ScannerBusyException} when the scanner had no room for it.
     */
    public CompletableFuture<ScanOutcome> scan(ImageReference image) {
        String key = image.canonical();
        if (image.isDigestPinned() && !key.equals(image.byDigest())) {
            CompletableFuture<ScanOutcome> sameDigest = results.getIfPresent(image.byDigest());
            if (sameDigest != null) {
                return sameDigest;
            }
        }
        // One lookup, counted once as a hit or a miss; the mapping function, unlike a refresh, keeps the
        // reference exactly as the pod spec wrote it.
        return results.get(key, (unused, executor) -> start(image));
    }

    @EventListener(ApplicationReadyEvent.class)
    public void prewarm() {
        for (String image : properties.prewarm()) {
            try {
                scan(ImageReference.parse(image));
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
        if (outcome instanceof ScanOutcome.Scanned scanned) {
            shareWithDigests(image, scanned);
        } else {
            log.info("scan of {} failed: {}", image.original(), ((ScanOutcome.ScanFailed) outcome).reason());
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

    /** A tag and the same image by digest share one result: trivy tells us the digest the tag resolved to. */
    private void shareWithDigests(ImageReference image, ScanOutcome.Scanned outcome) {
        for (String repoDigest : outcome.report().repoDigests()) {
            try {
                String byDigest = ImageReference.parse(repoDigest).byDigest();
                if (byDigest != null && !byDigest.equals(image.canonical())) {
                    results.put(byDigest, CompletableFuture.completedFuture(outcome));
                }
            } catch (InvalidImageReferenceException e) {
                log.debug("ignoring repo digest {} of {}: {}", repoDigest, image.original(), e.getMessage());
            }
        }
    }

    private static Expiry<String, ScanOutcome> expiry(CacheProperties cache) {
        return Expiry.writing((String key, ScanOutcome outcome) ->
                outcome instanceof ScanOutcome.Scanned ? cache.ttl() : cache.errorTtl());
    }

    private static ThreadPoolExecutor scanSlots(ScanProperties properties) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(properties.maxConcurrent(), properties.maxConcurrent(),
                0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(Math.max(1, properties.queueSize())),
                runnable -> {
                    Thread thread = new Thread(runnable, "trivy-scan-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
