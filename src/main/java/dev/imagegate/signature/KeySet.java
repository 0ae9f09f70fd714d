package dev.imagegate.signature;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The keys a signature rule accepts (any one suffices) and whether the transparency log is required. A
 * verification is cached per digest and key set: a policy edit that changes either verifies again.
 */
public record KeySet(List<SigningKey> keys, TransparencyLog transparencyLog) {

    public KeySet {
        keys = List.copyOf(keys);
    }

    /** "release, ci": the keys as reasons name them. */
    public String names() {
        return keys.stream().map(SigningKey::name).collect(Collectors.joining(", "));
    }

    /**
     * Each key in turn until one verifies. No signature at all, or a check that failed (the registry, cosign),
     * is the answer for every key, so the rest are not tried.
     */
    public SignatureOutcome verify(Function<SigningKey, SignatureOutcome> withKey) {
        for (SigningKey key : keys) {
            SignatureOutcome outcome = withKey.apply(key);
            if (!(outcome instanceof SignatureOutcome.NoMatch)) {
                return outcome;
            }
        }
        return new SignatureOutcome.NoMatch();
    }
}
