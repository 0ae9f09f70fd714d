package dev.imagegate.scan.report;

/** What a finished scan says about an image, before the policy judges it. */
public sealed interface ScanOutcome {

    /** Trivy scanned the image and produced a report. */
    record Scanned(ScanReport report) implements ScanOutcome {
    }

    /** Trivy ran but could not scan: the image is missing, the registry refused, trivy timed out, ... */
    record ScanFailed(String reason) implements ScanOutcome {
    }
}
