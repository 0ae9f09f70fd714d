package dev.imagegate.policy;

import dev.imagegate.scan.Finding;
import dev.imagegate.scan.ScanOutcome;
import dev.imagegate.scan.ScanReport;
import dev.imagegate.scan.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PolicyTest {

    private final Policy policy = new Policy("deny");

    static Stream<Arguments> defaultRule() {
        return Stream.of(
                // name, findings, allowed, status, reason
                arguments("no findings", findings(), true, Verdict.Status.PASSED,
                        "allowed: no vulnerabilities at or above HIGH"),
                arguments("only MEDIUM, LOW and UNKNOWN", findings("CVE-1:MEDIUM", "CVE-2:LOW", "CVE-3:UNKNOWN"), true,
                        Verdict.Status.PASSED, "allowed: no vulnerabilities at or above HIGH"),
                arguments("one HIGH", findings("CVE-2026-1:HIGH"), false, Verdict.Status.VULNERABLE,
                        "denied: 1 HIGH (CVE-2026-1) at or above HIGH"),
                arguments("CRITICAL and HIGH, three named then ...",
                        findings("CVE-5:HIGH", "CVE-1:CRITICAL", "CVE-2:MEDIUM", "CVE-3:HIGH", "CVE-4:CRITICAL"), false,
                        Verdict.Status.VULNERABLE, "denied: 2 CRITICAL, 2 HIGH (CVE-1, CVE-4, CVE-3, ...) at or above HIGH"),
                arguments("one CVE in two packages is named once", findings("CVE-9:HIGH", "CVE-9:HIGH"), false,
                        Verdict.Status.VULNERABLE, "denied: 2 HIGH (CVE-9) at or above HIGH"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaultRule")
    void deniesAtOrAboveHigh(String name, List<Finding> findings, boolean allowed, Verdict.Status status, String reason) {
        Verdict verdict = policy.judge("app:1", scanned(findings));

        assertThat(verdict.allowed()).isEqualTo(allowed);
        assertThat(verdict.status()).isEqualTo(status);
        assertThat(verdict.reason()).isEqualTo(reason);
    }

    @Test
    void namesTheHighestSeverityAndOnlyTheFindingsThatCount() {
        Verdict verdict = policy.judge("app:1", scanned(findings("CVE-1:MEDIUM", "CVE-2:HIGH", "CVE-3:CRITICAL")));

        assertThat(verdict.highest()).isEqualTo(Severity.CRITICAL);
        assertThat(verdict.findings()).extracting(Finding::vulnerabilityId).containsExactly("CVE-3", "CVE-2");
    }

    @Test
    void failsClosedOnInvalidReferencesAndFailedScans() {
        Verdict invalid = policy.judge("BAD", new ScanOutcome.InvalidImage("repository name must be lowercase"));
        Verdict failed = policy.judge("app:1", new ScanOutcome.ScanFailed("unable to find the specified image"));

        assertThat(invalid.allowed()).isFalse();
        assertThat(invalid.reason()).isEqualTo("denied: invalid image reference: repository name must be lowercase");
        assertThat(failed.allowed()).isFalse();
        assertThat(failed.reason()).isEqualTo("denied: scan failed: unable to find the specified image");
    }

    @Test
    void pendingScansAreDeniedUnlessConfiguredToAllow() {
        ScanOutcome pending = new ScanOutcome.Pending("scan in progress");

        assertThat(new Policy("deny").judge("app:1", pending).allowed()).isFalse();
        assertThat(new Policy("Allow").judge("app:1", pending).allowed()).isTrue();
        assertThat(new Policy("allow").judge("app:1", pending).reason()).isEqualTo("allowed: scan in progress");
        assertThatThrownBy(() -> new Policy("maybe")).hasMessageContaining("allow or deny");
    }

    private static ScanOutcome scanned(List<Finding> findings) {
        return new ScanOutcome.Scanned(new ScanReport(findings, List.of(), "0.74.0"));
    }

    /** "CVE-1:HIGH" -> a finding of that id and severity. */
    private static List<Finding> findings(String... specs) {
        return Arrays.stream(specs).map(spec -> spec.split(":"))
                .map(p -> new Finding(p[0], Severity.valueOf(p[1]), "pkg", "1.0", "1.1", "fixed")).toList();
    }
}
