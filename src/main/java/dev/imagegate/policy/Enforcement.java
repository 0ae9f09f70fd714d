package dev.imagegate.policy;

/**
 * How a review's verdicts become its answer: enforced, audited (admitted, would-be denials recorded), or
 * admitted by break-glass.
 *
 * @param breakGlassReason the reason given in the pod's break-glass annotation, or null
 */
public record Enforcement(Kind kind, String breakGlassReason) {

    public enum Kind { ENFORCE, AUDIT, BREAK_GLASS }

    public static final Enforcement ENFORCE = new Enforcement(Kind.ENFORCE, null);
    public static final Enforcement AUDIT = new Enforcement(Kind.AUDIT, null);

    public static Enforcement breakGlass(String reason) {
        return new Enforcement(Kind.BREAK_GLASS, reason);
    }

    /** Whether a denial stands; in audit and break-glass it is recorded, not enforced. */
    public boolean denies() {
        return kind == Kind.ENFORCE;
    }
}
