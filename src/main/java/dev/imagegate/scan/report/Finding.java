package dev.imagegate.scan.report;

import java.util.Comparator;

/**
 * One vulnerability trivy found in one package of an image.
 *
 * @param fixedVersion the version that fixes it, or null when there is no fix yet
 * @param status       trivy's status (fixed, affected, will_not_fix, ...), or null for older reports
 */
public record Finding(String vulnerabilityId, Severity severity, String packageName,
                      String installedVersion, String fixedVersion, String status) {

    public static final Comparator<Finding> MOST_SEVERE_FIRST =
            Comparator.comparing(Finding::severity).reversed().thenComparing(Finding::vulnerabilityId);

    public boolean hasFix() {
        return fixedVersion != null && !fixedVersion.isBlank();
    }
}
