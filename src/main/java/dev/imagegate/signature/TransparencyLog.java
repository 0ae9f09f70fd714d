package dev.imagegate.signature;

/**
 * Whether a signature must also be in Sigstore's transparency log (Rekor). {@code ignore} checks the key only,
 * against a trusted root that trusts nothing else, so cosign never goes to the network for one.
 */
public enum TransparencyLog { REQUIRED, IGNORE }
