package dev.imagegate.scan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a finished scan says about an image: its findings, most severe first.
 *
 * @param repoDigests    the {@code repo@sha256:...} names trivy resolved the image to (empty for local scans)
 * @param scannerVersion trivy's version as written in the report, or null for reports that do not carry it
 * @param scannedAt      when ImageGate got the report
 * @param dbUpdatedAt    when the vulnerability DB trivy had at the start of the scan was built (the DB's
 *                       version), or null when ImageGate did not know it yet
 */
public record ScanReport(List<Finding> findings, List<String> repoDigests, String scannerVersion, Instant scannedAt,
                         Instant dbUpdatedAt) {

    public ScanReport {
        findings = findings.stream().sorted(Finding.MOST_SEVERE_FIRST).toList();
        repoDigests = List.copyOf(repoDigests);
    }

    public static ScanReport of(TrivyReport report, Instant scannedAt, Instant dbUpdatedAt) {
        List<Finding> findings = new ArrayList<>();
        if (report.results() != null) {
            for (TrivyReport.Result result : report.results()) {
                if (result.vulnerabilities() == null) {
                    continue;
                }
                for (TrivyReport.Vulnerability v : result.vulnerabilities()) {
                    if (v.vulnerabilityId() != null) {
                        findings.add(new Finding(v.vulnerabilityId(), Severity.of(v.severity()), v.pkgName(),
                                v.installedVersion(), v.fixedVersion(), v.status()));
                    }
                }
            }
        }
        List<String> digests = report.metadata() == null || report.metadata().repoDigests() == null
                ? List.of() : report.metadata().repoDigests();
        String version = report.trivy() == null ? null : report.trivy().version();
        return new ScanReport(findings, digests, version, scannedAt, dbUpdatedAt);
    }
}
