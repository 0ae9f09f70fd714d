package dev.imagegate.review;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.Scanner;
import dev.imagegate.signature.SignatureVerifier;
import org.springframework.stereotype.Component;

import java.util.concurrent.CompletableFuture;

/** The per-image steps of {@code routes/review.yaml}'s split: validate, scan, verify the signature. */
@Component("imageChecks")
public class ImageChecks {

    /** Pods come and go with the same few hundred images: most references were parsed before. */
    private static final int REFERENCES_KEPT = 10_000;

    private final Scanner scanner;
    private final SignatureVerifier signatures;
    private final Cache<String, ImageReference> references = Caffeine.newBuilder().maximumSize(REFERENCES_KEPT).build();

    public ImageChecks(Scanner scanner, SignatureVerifier signatures) {
        this.scanner = scanner;
        this.signatures = signatures;
    }

    /** The reference grammar (invalid: denied, never scanned), then the policy's rules that need no scan. */
    public ImageCheck validate(ImageCheck check) {
        return check.validated(image -> references.get(image, ImageReference::parse));
    }

    /** True for a valid reference that no rule decided and that has no scan yet: the split's filter before the scan. */
    public boolean needsScan(ImageCheck check) {
        return check.needsScan();
    }

    /**
     * The image with the digest it stands for and that digest's scan (cached, already running, or started
     * now), not waited for: the review waits for all of its images at once, up to its deadline. Images that
     * need no scan pass unchanged.
     */
    public ImageCheck scan(ImageCheck check) {
        if (!check.needsScan()) {
            return check;
        }
        CompletableFuture<ImageReference> pinned = scanner.pin(check.reference());
        return check.scanned(pinned, scanner.scan(pinned));
    }

    /**
     * The image with the signature check of the digest it stands for (the one its scan judges; a tag is looked
     * up only once), cached per digest and key set, not waited for. Images no signature rule applies to, or
     * that a rule denied already, pass unchanged.
     */
    public ImageCheck verifySignature(ImageCheck check) {
        if (!check.needsSignature()) {
            return check;
        }
        CompletableFuture<ImageReference> pinned = check.pinned() != null ? check.pinned() : scanner.pin(check.reference());
        return check.signed(pinned, signatures.verify(pinned,
                check.policy().signatureRule(check.reference(), check.namespace()).orElseThrow().keys()));
    }
}
