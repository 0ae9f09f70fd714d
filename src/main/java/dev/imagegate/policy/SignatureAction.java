package dev.imagegate.policy;

/** What a signature rule does with an image it cannot verify: {@code deny} it, or {@code audit}: admit it and record what would have denied it. */
public enum SignatureAction { DENY, AUDIT }
