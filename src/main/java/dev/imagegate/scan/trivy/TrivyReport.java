package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields ImageGate reads from {@code trivy image --format json} (report schema 2). Every field is
 * optional: trivy omits empty slices, and older versions lack {@code Trivy}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrivyReport(
        @JsonProperty("SchemaVersion") Integer schemaVersion,
        @JsonProperty("Trivy") Tool trivy,
        @JsonProperty("ArtifactName") String artifactName,
        @JsonProperty("Metadata") Metadata metadata,
        @JsonProperty("Results") List<Result> results) {

    /** What this report says about the image, in ImageGate's terms: its findings, most severe first. */
    public ScanReport toScanReport(Instant scannedAt, Instant dbUpdatedAt) {
        List<Finding> findings = new ArrayList<>();
        if (results != null) {
            for (Result result : results) {
                if (result.vulnerabilities() == null) {
                    continue;
                }
                for (Vulnerability v : result.vulnerabilities()) {
                    if (v.vulnerabilityId() != null) {
                        findings.add(new Finding(v.vulnerabilityId(), Severity.of(v.severity()), v.pkgName(),
                                v.installedVersion(), v.fixedVersion(), v.status()));
                    }
                }
            }
        }
        List<String> digests = metadata == null || metadata.repoDigests() == null ? List.of() : metadata.repoDigests();
        String version = trivy == null ? null : trivy.version();
        return new ScanReport(findings, digests, version, scannedAt, dbUpdatedAt, endOfSupport(metadata));
    }

    private static String endOfSupport(Metadata metadata) {
        Os os = metadata == null ? null : metadata.os();
        if (os == null || !Boolean.TRUE.equals(os.eosl())) {
            return null;
        }
        String release = ((os.family() == null ? "" : os.family()) + " " + (os.name() == null ? "" : os.name())).trim();
        return release.isEmpty() ? "the OS release" : release;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tool(@JsonProperty("Version") String version) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Metadata(
            @JsonProperty("OS") Os os,
            @JsonProperty("ImageID") String imageId,
            @JsonProperty("RepoDigests") List<String> repoDigests) {
    }

    /** The image's OS release; {@code EOSL} is set (true) once the release is past its end of support. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Os(
            @JsonProperty("Family") String family,
            @JsonProperty("Name") String name,
            @JsonProperty("EOSL") Boolean eosl) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Result(
            @JsonProperty("Target") String target,
            @JsonProperty("Class") String resultClass,
            @JsonProperty("Type") String type,
            @JsonProperty("Vulnerabilities") List<Vulnerability> vulnerabilities) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Vulnerability(
            @JsonProperty("VulnerabilityID") String vulnerabilityId,
            @JsonProperty("PkgName") String pkgName,
            @JsonProperty("InstalledVersion") String installedVersion,
            @JsonProperty("FixedVersion") String fixedVersion,
            @JsonProperty("Status") String status,
            @JsonProperty("Severity") String severity) {
    }
}
