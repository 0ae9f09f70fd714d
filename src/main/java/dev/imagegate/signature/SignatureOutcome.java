package dev.imagegate.signature;

/** What cosign found about an image's signatures, for one key set, before the policy judges it. */
public sealed interface SignatureOutcome {

    /** A signature on the digest verifies with {@code key}. */
    record Verified(String key) implements SignatureOutcome {
    }

    /** The image has no signatures at all (cosign exit 10). */
    record NotSigned() implements SignatureOutcome {
    }

    /** The image has signatures, but none verifies with any of the keys (cosign exit 12 for each). */
    record NoMatch() implements SignatureOutcome {
    }

    /** The check itself failed: the registry refused or was down, cosign timed out or could not run. */
    record CheckFailed(String reason) implements SignatureOutcome {
    }
}
