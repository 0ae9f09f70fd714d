package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.imagegate.image.ImageReference;
import dev.imagegate.policy.Action;
import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Policy;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The fixes a verdict names, in the review's one-line reason, in status.images and in the audit line. */
class DecisionFixesTest {

    static final Instant NOW = Instant.parse("2027-01-31T12:00:00Z");
    static final Policy POLICY = Policy.builtIn(Action.DENY, Clock.fixed(NOW, ZoneOffset.UTC));
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    static Verdict judged(String image, ScanReport report) {
        return POLICY.judge(ImageReference.parse(image), new ScanOutcome.Scanned(report), "default");
    }

    static ScanReport manyPackages(String prefix, int count) {
        return new ScanReport(IntStream.range(0, count).mapToObj(i -> new Finding("CVE-2026-%05d".formatted(i), Severity.HIGH,
                prefix + "-package-" + i, "1.0." + i, "1.0." + (i + 1), "fixed")).toList(), List.of(), "0.74.0", null, null);
    }

    static ScanReport endOfLife() {
        return new ScanReport(List.of(
                new Finding("CVE-2019-14697", Severity.CRITICAL, "musl", "1.1.20-r4", "1.1.20-r5", "fixed"),
                new Finding("CVE-2019-14697", Severity.CRITICAL, "musl-utils", "1.1.20-r4", "1.1.20-r5", "fixed"),
                new Finding("CVE-2026-3", Severity.HIGH, "busybox", "1.29.3-r10", null, "affected")),
                List.of(), "0.74.0", null, null, "alpine 3.9.4");
    }

    @Test
    void twoDeniedImagesShareTheLineAndBothAreNamed() {
        Decision decision = Decision.of("default", List.of(judged("registry.test/first:1", manyPackages("first", 40)),
                judged("registry.test/second:1", manyPackages("second", 40))), Enforcement.ENFORCE, NOW);

        assertThat(decision.reason()).hasSizeLessThanOrEqualTo(1024)
                .startsWith("registry.test/first:1: denied: 40 HIGH at or above HIGH; upgrade first-package-0 1.0.0 -> 1.0.1")
                .contains("; registry.test/second:1: denied: 40 HIGH at or above HIGH; upgrade second-package-0 1.0.0 -> 1.0.1")
                .containsPattern("first-package-\\d+ [^;]+; and \\d+ more \\(status.images, the audit log, imagegate check\\); registry")
                .doesNotContain("more denied image");
    }

    @Test
    void oneDeniedImageHasTheWholeLine() {
        Verdict verdict = judged("registry.test/only:1", manyPackages("only", 60));

        Decision decision = Decision.of("default", List.of(verdict), Enforcement.ENFORCE, NOW);

        assertThat(decision.reason()).isEqualTo("registry.test/only:1: " + verdict.reason()).hasSizeGreaterThan(900);
    }

    @Test
    void statusImagesCarryTheFixesAsStructure() {
        Decision decision = Decision.of("default", List.of(judged("registry.test/old:1", endOfLife())), Enforcement.ENFORCE, NOW);

        JsonNode image = JSON.valueToTree(ImageReviewResponse.of(decision)).at("/status/images/0");

        assertThat(image.get("reason").asText()).startsWith("denied: alpine 3.9.4 is past end of support: rebuild on a "
                + "supported base image; 1 CRITICAL, 1 HIGH in 3 packages at or above HIGH; upgrade musl 1.1.20-r4 -> 1.1.20-r5");
        assertFixes(image);
    }

    @Test
    void theAuditLineCarriesTheSameStructure() {
        Decision decision = Decision.of("default", List.of(judged("registry.test/old:1", endOfLife())), Enforcement.ENFORCE, NOW);

        JsonNode verdict = JSON.valueToTree(decision).at("/verdicts/0");

        assertFixes(verdict);
        assertThat(verdict.has("remedy")).isFalse();
        assertThat(verdict.has("problem")).isFalse();
    }

    private static void assertFixes(JsonNode image) {
        assertThat(image.get("osEndOfSupport").asText()).isEqualTo("alpine 3.9.4");
        assertThat(image.get("fixes")).hasSize(2);
        assertThat(image.at("/fixes/0/package").asText()).isEqualTo("musl");
        assertThat(image.at("/fixes/0/installed").asText()).isEqualTo("1.1.20-r4");
        assertThat(image.at("/fixes/0/fixed").asText()).isEqualTo("1.1.20-r5");
        assertThat(image.at("/fixes/0/vulnerabilities/0").asText()).isEqualTo("CVE-2019-14697");
        assertThat(image.at("/fixes/1/package").asText()).isEqualTo("musl-utils");
        assertThat(image.at("/unfixed/0/package").asText()).isEqualTo("busybox");
        assertThat(image.at("/unfixed/0/vulnerabilities/0").asText()).isEqualTo("CVE-2026-3");
    }
}
