package dev.imagegate.review;

import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
import dev.imagegate.policy.Policy;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.signature.SignatureOutcome;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One image of a review on its way through the split, as one value: the image as the pod spec wrote it, its
 * reference (parsed once), the verdict of the policy rule that decided it without a scan if one did, the
 * digest its reference stands for, and the scan of that digest. The namespace and policy snapshot it is judged by travel with it, so no step pairs it with anything
 * by position. Immutable: each step returns the next state.
 *
 * @param reference null until validated, and for an invalid reference
 * @param ruled     the verdict reached without a scan (invalid reference, exempt namespace, image and registry
 *                  rules), or null
 * @param pinned    the image by digest, once its registry said (a tag) or at once (a digest): the digest that is
 *                  judged; null when no scan was started
 * @param scan      the scan of {@code pinned}, finished or still running, or null when none was started
 * @param signature the signature check of {@code pinned}, finished or still running, or null when no signature
 *                  rule applies
 */
public record ImageCheck(String image, String namespace, Policy policy, ImageReference reference, Verdict ruled,
                         CompletableFuture<ImageReference> pinned, CompletableFuture<ScanOutcome> scan,
                         CompletableFuture<SignatureOutcome> signature) {

    static final String SCAN_RUNNING = "scan in progress, retry shortly (the result will be cached)";
    static final String SCANNER_BUSY = "scanner is busy with other images, retry shortly";
    static final String SIGNATURE_RUNNING = "signature check in progress, retry shortly (the result will be cached)";
    static final String VERIFIER_BUSY = "signature verifier is busy with other images, retry shortly";
    static final String NOT_CHECKED = "denied: not checked (a step of the review route left this image out)";

    static ImageCheck of(String image, String namespace, Policy policy) {
        return new ImageCheck(image, namespace, policy, null, null, null, null, null);
    }

    /**
     * Checked against the reference grammar, then against the policy's rules that need no scan.
     *
     * @param parser {@link ImageReference#parse} or a memo of it
     */
    public ImageCheck validated(Function<String, ImageReference> parser) {
        try {
            ImageReference parsed = parser.apply(image);
            return new ImageCheck(image, namespace, policy, parsed, policy.ruleWithoutScan(parsed, namespace).orElse(null),
                    null, null, null);
        } catch (InvalidImageReferenceException e) {
            return new ImageCheck(image, namespace, policy, null, policy.invalid(image, e.getMessage(), namespace), null, null,
                    null);
        }
    }

    /** True for a valid reference that no rule decided and that has no scan yet. */
    public boolean needsScan() {
        return reference != null && ruled == null && scan == null;
    }

    public ImageCheck scanned(CompletableFuture<ImageReference> pinnedTo, CompletableFuture<ScanOutcome> started) {
        return new ImageCheck(image, namespace, policy, reference, ruled, pinnedTo, started, signature);
    }

    /**
     * True for a valid reference that no rule denied, that a signature rule of the policy applies to, and that
     * has no signature check yet: an image admitted by an allow rule (not scanned) must still be signed.
     */
    public boolean needsSignature() {
        return reference != null && (ruled == null || ruled.allowed()) && signature == null
                && policy.signatureRule(reference, namespace).isPresent();
    }

    /** With the signature check of the digest {@code pinnedTo} (the same one the scan judges, when there is a scan). */
    public ImageCheck signed(CompletableFuture<ImageReference> pinnedTo, CompletableFuture<SignatureOutcome> checked) {
        return new ImageCheck(image, namespace, policy, reference, ruled, pinnedTo, scan, checked);
    }

    /** The work a review waits for, up to its deadline: the scan and the signature check, those started. */
    public Stream<CompletableFuture<?>> running() {
        return Stream.<CompletableFuture<?>>of(scan, signature).filter(future -> future != null);
    }

    /**
     * The verdict as things stand: by rule, by the finished scan, or pending while the scan runs; and, when a
     * signature rule applies, with what the signature check found (both must pass).
     */
    Verdict verdict() {
        Verdict verdict = withoutSignature();
        if (signature == null) {
            return verdict;
        }
        if (verdict.digest() == null) {
            // An image admitted by an allow rule was pinned for its signature check alone.
            verdict = verdict.at(digest());
        }
        if (signature.isDone() && !signature.isCompletedExceptionally()) {
            return policy.withSignature(verdict, reference, namespace, signature.join(), null);
        }
        // A check that ended exceptionally was never started: the verifier (or the tag lookup) was busy.
        return policy.withSignature(verdict, reference, namespace, null, signature.isDone() ? VERIFIER_BUSY : SIGNATURE_RUNNING);
    }

    private Verdict withoutSignature() {
        if (ruled != null) {
            return ruled;
        }
        if (reference == null || scan == null) {
            return Verdict.of(image, Verdict.Status.NOT_CHECKED, false, NOT_CHECKED);
        }
        if (scan.isDone() && !scan.isCompletedExceptionally()) {
            return policy.judge(reference, scan.join(), namespace).at(digest());
        }
        // A scan that ended exceptionally was never started: the scanner (or the tag lookup) was busy.
        return policy.pending(image, scan.isDone() ? SCANNER_BUSY : SCAN_RUNNING, namespace).at(digest());
    }

    /** The digest judged, when the image has been pinned to one by now. */
    private String digest() {
        return pinned != null && pinned.isDone() && !pinned.isCompletedExceptionally() ? pinned.join().digest() : null;
    }
}
