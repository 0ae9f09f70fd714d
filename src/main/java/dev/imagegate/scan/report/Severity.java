package dev.imagegate.scan.report;

import java.util.Locale;

/** Trivy's severities, lowest first, so that {@code compareTo} orders them. */
public enum Severity {
    UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL;

    /** Reads trivy's spelling; anything unrecognised is UNKNOWN, as trivy itself treats it. */
    public static Severity of(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    public boolean isAtLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
