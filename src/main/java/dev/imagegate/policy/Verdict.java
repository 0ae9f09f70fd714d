package dev.imagegate.policy;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.Severity;

import java.util.List;

/**
 * The policy's answer for one image of a review.
 *
 * @param image    the reference as written in the pod spec
 * @param status   what decided it
 * @param allowed  whether this image may run
 * @param reason   why, in words a developer acts on (without the image name)
 * @param findings the vulnerabilities that count against the image, most severe first
 * @param highest    the most severe of those findings, or null when there are none
 * @param exceptions the policy exceptions that excused findings of this image, described
 * @param digest     the digest that was judged ({@code sha256:...}), or null when the image was not looked up
 * @param signature  what the signature check found ("verified by release", "missing"), or null when no
 *                   signature rule applies
 * @param remedy     what to upgrade, what has no fix yet, an OS past its end of support; null when the scan
 *                   found nothing to act on (written flat into the audit line: fixes, unfixed, osEndOfSupport)
 */
public record Verdict(String image, Status status, boolean allowed, String reason, List<Finding> findings,
                      Severity highest, List<String> exceptions, String digest, String signature,
                      @JsonUnwrapped Remedy remedy) {

    /** What decided the verdict; {@code NOT_CHECKED}: a step of an edited review route left the image out. */
    public enum Status { PASSED, VULNERABLE, ALLOWED_BY_RULE, DENIED_BY_RULE, INVALID, SCAN_FAILED, PENDING, NOT_CHECKED,
        UNSIGNED, SIGNATURE_CHECK_FAILED }

    public Verdict {
        findings = List.copyOf(findings);
        exceptions = List.copyOf(exceptions);
    }

    public Verdict(String image, Status status, boolean allowed, String reason, List<Finding> findings,
                   Severity highest, List<String> exceptions) {
        this(image, status, allowed, reason, findings, highest, exceptions, null, null, null);
    }

    public Verdict(String image, Status status, boolean allowed, String reason, List<Finding> findings,
                   Severity highest, List<String> exceptions, String digest) {
        this(image, status, allowed, reason, findings, highest, exceptions, digest, null, null);
    }

    /** A verdict of the scan, with what to do about it. */
    public Verdict(String image, Status status, boolean allowed, String reason, List<Finding> findings,
                   Severity highest, List<String> exceptions, String digest, Remedy remedy) {
        this(image, status, allowed, reason, findings, highest, exceptions, digest, null, remedy);
    }

    public static Verdict of(String image, Status status, boolean allowed, String reason) {
        return new Verdict(image, status, allowed, reason, List.of(), null, List.of());
    }

    /** This verdict, about the image at {@code digest}. */
    public Verdict at(String digest) {
        return new Verdict(image, status, allowed, reason, findings, highest, exceptions, digest, signature, remedy);
    }

    /** True when the image is admitted only because its signature rule audits what would have denied it. */
    public boolean wouldBeDeniedBySignature() {
        return allowed && signature != null && signature.endsWith(" (audit)");
    }

    /** This verdict, with what the signature check found. */
    public Verdict signed(String found) {
        return new Verdict(image, status, allowed, reason, findings, highest, exceptions, digest, found, remedy);
    }

    /**
     * The reason in at most {@code limit} characters, for a line shared with other images: fewer packages
     * named, and how many more, rather than a sentence cut off.
     */
    public String reasonWithin(int limit) {
        if (reason.length() <= limit) {
            return reason;
        }
        return remedy != null && remedy.problem() != null ? remedy.reason(limit)
                : reason.substring(0, Math.max(0, limit - 3)) + "...";
    }
}
