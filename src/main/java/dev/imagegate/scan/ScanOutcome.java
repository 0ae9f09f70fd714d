package dev.imagegate.scan;

/** What ImageGate knows about an image before the policy judges it. */
public sealed interface ScanOutcome {

    /** Trivy scanned the image and produced a report. */
    record Scanned(ScanReport report) implements ScanOutcome {
    }

    /** Trivy ran but could not scan: the image is missing, the registry refused, trivy timed out, ... */
    record ScanFailed(String reason) implements ScanOutcome {
    }

    /** The reference is not a valid image reference; it was never given to trivy. */
    record InvalidImage(String reason) implements ScanOutcome {
    }

    /** A policy rule decides the image without a scan (exempt namespace, registry, allow or deny list, digest). */
    record NotScanned() implements ScanOutcome {
    }

    /** The scan has not finished in time for this review; it goes on in the background. */
    record Pending(String reason) implements ScanOutcome {
    }
}
