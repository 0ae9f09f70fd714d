package dev.imagegate.scan.report;

import java.time.Instant;
import java.util.List;

/**
 * What a finished scan says about an image: its findings, most severe first.
 *
 * @param repoDigests    the {@code repo@sha256:...} names trivy resolved the image to (empty for local scans)
 * @param scannerVersion trivy's version as written in the report, or null for reports that do not carry it
 * @param scannedAt      when ImageGate got the report
 * @param dbUpdatedAt    when the vulnerability DB trivy had at the start of the scan was built (the DB's
 *                       version), or null when ImageGate did not know it yet
 * @param osEndOfSupport the image's OS release ({@code alpine 3.9.4}) when trivy says it is past its end of
 *                       support, else null: no package upgrade fixes such an image, only a newer base image
 */
public record ScanReport(List<Finding> findings, List<String> repoDigests, String scannerVersion, Instant scannedAt,
                         Instant dbUpdatedAt, String osEndOfSupport) {

    public ScanReport {
        findings = findings.stream().sorted(Finding.MOST_SEVERE_FIRST).toList();
        repoDigests = List.copyOf(repoDigests);
    }

    public ScanReport(List<Finding> findings, List<String> repoDigests, String scannerVersion, Instant scannedAt,
                      Instant dbUpdatedAt) {
        this(findings, repoDigests, scannerVersion, scannedAt, dbUpdatedAt, null);
    }
}
