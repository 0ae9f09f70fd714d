package dev.imagegate.signature;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagegate.image.ImageReference;
import dev.imagegate.cache.CacheProperties;
import dev.imagegate.tags.CraneCommand;
import dev.imagegate.process.ProcessSlots;
import dev.imagegate.process.ScannerBusyException;
import dev.imagegate.tags.UnresolvedTagException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Signature checks of images, kept per digest and key set as scans are kept per digest: concurrent reviews
 * of one new image share one check, at most {@code imagegate.cosign.max-concurrent} cosign processes run, a
 * verified image is not checked again for {@code imagegate.cache.ttl}, and anything else (unsigned, not
 * matching, failed) is checked again after {@code imagegate.cache.error-ttl}: a pipeline that signs just
 * after it pushed is not held to its first answer for an hour.
 */
@Component
public class SignatureVerifier {

    private static final Logger log = LoggerFactory.getLogger(SignatureVerifier.class);
    private static final List<String> RESULTS = List.of("verified", "unsigned", "mismatch", "failed");

    private final ProducerTemplate cosign;
    private final ThreadPoolExecutor slots;
    private final AsyncLoadingCache<Verification, SignatureOutcome> results;
    private final MeterRegistry meters;
    private final CraneCommand crane;
    private final Set<String> loggedIn = ConcurrentHashMap.newKeySet();

    public SignatureVerifier(ProducerTemplate cosign, CosignProperties properties, CacheProperties cache,
                             MeterRegistry meters, CraneCommand crane) {
        this.cosign = cosign;
        this.crane = crane;
        this.meters = meters;
        this.slots = ProcessSlots.of("cosign-verify", properties.maxConcurrent(), properties.queueSize());
        this.results = Caffeine.newBuilder()
                .maximumSize(cache.maxSize())
                .expireAfter(expiry(cache))
                .refreshAfterWrite(cache.refreshAfter())
                .buildAsync((Verification verification, Executor unused) -> start(verification));
        // At zero from the start, so that rate() and increase() see the first check of each kind.
        RESULTS.forEach(result -> meters.counter("imagegate.signature.checks", "result", result));
    }

    /**
     * The signature check of the image {@code pinned} against {@code keys}: cached, already running, or
     * started now. A tag its registry cannot resolve is a failed check; a check the verifier had no room for
     * fails with a {@link ScannerBusyException}, as a scan does.
     */
    public CompletableFuture<SignatureOutcome> verify(CompletableFuture<ImageReference> pinned, KeySet keys) {
        return pinned.thenCompose(image -> results.get(new Verification(image.byDigest(), keys)))
                .exceptionally(SignatureVerifier::unresolved);
    }

    /** The {@code result} tag of {@code imagegate_signature_checks_total} for an outcome. */
    private static String result(SignatureOutcome outcome) {
        if (outcome instanceof SignatureOutcome.Verified) {
            return "verified";
        }
        if (outcome instanceof SignatureOutcome.NotSigned) {
            return "unsigned";
        }
        return outcome instanceof SignatureOutcome.NoMatch ? "mismatch" : "failed";
    }

    private CompletableFuture<SignatureOutcome> start(Verification verification) {
        try {
            return CompletableFuture.supplyAsync(() -> run(verification), slots);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ScannerBusyException());
        }
    }

    private SignatureOutcome run(Verification verification) {
        ImageReference image = ImageReference.parse(verification.byDigest());
        SignatureOutcome outcome = runCosign(image, verification.keys());
        if (refused(outcome) && crane.hasCredentials() && loggedIn.add(image.domain())) {
            // cosign reads crane's docker config: a registry that refuses it gets trivy's credentials there once,
            // as crane's own lookups do, and is asked again.
            logIn(image.domain());
            outcome = runCosign(image, verification.keys());
        }
        meters.counter("imagegate.signature.checks", "result", result(outcome)).increment();
        if (outcome instanceof SignatureOutcome.CheckFailed failed) {
            log.info("signature check of {} failed: {}", verification.byDigest(), failed.reason());
        }
        return outcome;
    }

    private SignatureOutcome runCosign(ImageReference image, KeySet keys) {
        return keys.verify(key -> runCosign(new CosignRun(image, key, keys.transparencyLog())));
    }

    private static boolean refused(SignatureOutcome outcome) {
        return outcome instanceof SignatureOutcome.CheckFailed failed
                && (failed.reason().contains("UNAUTHORIZED") || failed.reason().contains("DENIED"));
    }

    private void logIn(String registry) {
        try {
            cosign.requestBody("direct:crane-login", registry);
        } catch (RuntimeException e) {
            loggedIn.remove(registry);
            log.info("could not store the registry credentials for {}: {}", registry, e.getMessage());
        }
    }

    private SignatureOutcome runCosign(CosignRun run) {
        try {
            return cosign.requestBody("direct:verify-signature", run, SignatureOutcome.class);
        } catch (RuntimeException e) {
            log.warn("signature route failed for {}", run.image().original(), e);
            return new SignatureOutcome.CheckFailed("could not run cosign: " + e.getClass().getSimpleName());
        }
    }

    @PreDestroy
    void stop() {
        slots.shutdownNow();
    }

    /** A tag whose registry cannot say what it points to cannot have its signature checked. */
    private static SignatureOutcome unresolved(Throwable failure) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof UnresolvedTagException unresolved) {
            return new SignatureOutcome.CheckFailed(unresolved.getMessage());
        }
        throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
    }

    private static Expiry<Verification, SignatureOutcome> expiry(CacheProperties cache) {
        return Expiry.writing((Verification key, SignatureOutcome outcome) ->
                outcome instanceof SignatureOutcome.Verified ? cache.ttl() : cache.errorTtl());
    }

    /** One digest against one key set: a new key set in the policy is a new verification. */
    private record Verification(String byDigest, KeySet keys) {
    }
}
