package dev.imagegate.policy;

/** {@code enforce} denies; {@code audit} admits but records and alerts what it would have denied. */
public enum Mode { ENFORCE, AUDIT }
