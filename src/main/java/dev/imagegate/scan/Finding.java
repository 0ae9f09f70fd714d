package dev.imagegate.scan;

/**
 * One vulnerability trivy found in one package of an image.
 *
 * @param fixedVersion the version that fixes it, or null when there is no fix yet
 * @param status       trivy's status (fixed, affected, will_not_fix, ...), or null for older reports
 */
public record Finding(String vulnerabilityId, Severity severity, String packageName,
                      String installedVersion, String fixedVersion, String status) {

    public boolean hasFix() {
        return fixedVersion != null && !fixedVersion.isBlank();
    }
}
