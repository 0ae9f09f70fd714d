package dev.imagegate.review;

import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class DecisionTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    @Test
    void allowedOnlyWhenEveryImageIsAllowed() {
        Decision allowed = Decision.of("default", List.of(passed("a:1"), passed("b:1")), Enforcement.ENFORCE, NOW);
        Decision denied = Decision.of("default", List.of(passed("a:1"), vulnerable("b:1", Severity.HIGH)), Enforcement.ENFORCE, NOW);

        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.reason()).isEmpty();
        assertThat(denied.allowed()).isFalse();
    }

    @Test
    void aReviewWithoutImagesIsAllowed() {
        Decision decision = Decision.of("", List.of(), Enforcement.ENFORCE, NOW);

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.auditAnnotations()).containsEntry("images-reviewed", "0");
    }

    @Test
    void theReasonNamesEachDeniedImageAndWhy() {
        Decision decision = Decision.of("default", List.of(vulnerable("nginx:1.19", Severity.CRITICAL), passed("ok:1"),
                Verdict.of("BAD", Verdict.Status.INVALID, false, "denied: invalid image reference: must be lowercase")), Enforcement.ENFORCE, NOW);

        assertThat(decision.reason()).isEqualTo(
                "nginx:1.19: denied: 1 CRITICAL (CVE-1) at or above HIGH; BAD: denied: invalid image reference: must be lowercase");
    }

    @Test
    void theReasonStaysOneBoundedLineWhateverTheImagesAre() {
        List<Verdict> verdicts = IntStream.range(0, 100)
                .mapToObj(i -> Verdict.of("evil\nimage-" + i + "x".repeat(300), Verdict.Status.INVALID, false, "denied: bad\r\nline"))
                .toList();

        String reason = Decision.of("default", verdicts, Enforcement.ENFORCE, NOW).reason();

        assertThat(reason).hasSizeLessThanOrEqualTo(Decision.REASON_LIMIT).doesNotContain("\n", "\r")
                .startsWith("evil?image-0").endsWith("more denied image(s)");
    }

    @Test
    void auditAnnotationsSummariseTheDecision() {
        Decision decision = Decision.of("default", List.of(vulnerable("nginx:1.19", Severity.CRITICAL),
                vulnerable("redis:7", Severity.HIGH), passed("ok:1"),
                Verdict.of("slow:1", Verdict.Status.PENDING, false, "denied: scan in progress")), Enforcement.ENFORCE, NOW);

        assertThat(decision.auditAnnotations())
                .containsEntry("decision", "denied")
                .containsEntry("images-reviewed", "4")
                .containsEntry("denied-images", "nginx:1.19,redis:7,slow:1")
                .containsEntry("highest-severity", "CRITICAL")
                .containsEntry("pending-images", "1");
        assertThat(decision.auditAnnotations().keySet()).allMatch(Decision::isValidAnnotationKey);
    }

    @Test
    void auditModeAdmitsAndRecordsTheWouldBeDenial() {
        Decision decision = Decision.of("dev", List.of(vulnerable("nginx:1.19", Severity.HIGH)), Enforcement.AUDIT, NOW);

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.mode()).isEqualTo("audit");
        assertThat(decision.reason()).isEqualTo("audit: would deny: nginx:1.19: denied: 1 HIGH (CVE-1) at or above HIGH");
        assertThat(decision.auditAnnotations()).containsEntry("decision", "allowed").containsEntry("mode", "audit")
                .containsEntry("would-deny", "nginx:1.19: denied: 1 HIGH (CVE-1) at or above HIGH");
    }

    @Test
    void breakGlassAdmitsAndRecordsItsReason() {
        Decision decision = Decision.of("prod", List.of(vulnerable("nginx:1.19", Severity.CRITICAL)),
                Enforcement.breakGlass("INC-7\noutage"), NOW);

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.mode()).isEqualTo("break-glass");
        assertThat(decision.auditAnnotations()).containsEntry("break-glass", "INC-7?outage").containsKey("would-deny");
        assertThat(decision.auditAnnotations().keySet()).allMatch(Decision::isValidAnnotationKey);
    }

    @Test
    void exceptionsAppliedAreNamedInTheAuditAnnotations() {
        Verdict excused = new Verdict("nginx:1.19", Verdict.Status.PASSED, true, "allowed: CVE-1 excepted until 2027-01-31 (J-1)",
                List.of(), null, List.of("CVE-1 excepted until 2027-01-31 (J-1)"));

        assertThat(Decision.of("default", List.of(excused), Enforcement.ENFORCE, NOW).auditAnnotations())
                .containsEntry("exceptions-applied", "CVE-1 excepted until 2027-01-31 (J-1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"decision", "a", "foo-test", "bar_test", "a.b.c", "x1"})
    void qualifiedNamesAreValidAnnotationKeys(String key) {
        assertThat(Decision.isValidAnnotationKey(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "-a", "a-", ".a", "a.", "a b", "ä"})
    void theApiServerWouldDropTheseKeys(String key) {
        assertThat(Decision.isValidAnnotationKey(key)).isFalse();
    }

    @Test
    void keysLongerThan63CharactersAreDropped() {
        assertThat(Decision.isValidAnnotationKey("k".repeat(63))).isTrue();
        assertThat(Decision.isValidAnnotationKey("k".repeat(64))).isFalse();
    }

    private static Verdict passed(String image) {
        return Verdict.of(image, Verdict.Status.PASSED, true, "allowed: no vulnerabilities at or above HIGH");
    }

    private static Verdict vulnerable(String image, Severity severity) {
        Finding finding = new Finding("CVE-1", severity, "openssl", "1.0", "1.1", "fixed");
        return new Verdict(image, Verdict.Status.VULNERABLE, false, "denied: 1 " + severity + " (CVE-1) at or above HIGH",
                List.of(finding), severity, List.of());
    }
}
