package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The reason a developer reads for a denied image, as the built-in rule (deny at or above HIGH) writes it from
 * a scan: what counts against the image, then what to upgrade to which version, then what has no fix yet.
 */
class RemedyTest {

    static final Clock TODAY = Clock.fixed(Instant.parse("2027-01-31T12:00:00Z"), ZoneOffset.UTC);
    static final Policy BUILT_IN = Policy.builtIn(Action.DENY, TODAY);

    static Finding fixed(String id, Severity severity, String pkg, String installed, String fixedVersion) {
        return new Finding(id, severity, pkg, installed, fixedVersion, "fixed");
    }

    static Finding unfixed(String id, Severity severity, String pkg, String installed) {
        return new Finding(id, severity, pkg, installed, null, "affected");
    }

    static ScanReport report(Finding... findings) {
        return new ScanReport(List.of(findings), List.of(), "0.74.0", null, null);
    }

    static ScanReport endOfSupport(String os, Finding... findings) {
        return new ScanReport(List.of(findings), List.of(), "0.74.0", null, null, os);
    }

    static Verdict judged(String image, ScanReport report) {
        return BUILT_IN.judge(ImageReference.parse(image), new ScanOutcome.Scanned(report), "default");
    }

    static Stream<Arguments> reasons() {
        return Stream.of(
                arguments("one fix", report(fixed("CVE-2026-10004", Severity.HIGH, "zlib", "1.3.1-r0", "1.3.1-r1")),
                        "denied: 1 HIGH at or above HIGH; upgrade zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004)"),
                arguments("many fixes, most severe first, then what has no fix",
                        report(fixed("CVE-2022-22965", Severity.CRITICAL, "org.springframework:spring-beans", "5.3.15", "5.3.18, 5.2.20"),
                                fixed("CVE-2026-10001", Severity.CRITICAL, "libcrypto3", "3.1.4-r5", "3.1.7-r1"),
                                fixed("CVE-2026-10002", Severity.HIGH, "musl", "1.2.4_git20230717-r4", "1.2.4_git20230717-r5"),
                                unfixed("CVE-2026-10003", Severity.HIGH, "busybox", "1.36.1-r15"),
                                fixed("CVE-2026-10004", Severity.HIGH, "zlib", "1.3.1-r0", "1.3.1-r1"),
                                fixed("CVE-2026-10005", Severity.MEDIUM, "libcurl", "8.5.0-r0", "8.9.0-r0")),
                        "denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001), "
                                + "org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965), "
                                + "musl 1.2.4_git20230717-r4 -> 1.2.4_git20230717-r5 (CVE-2026-10002), "
                                + "zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004); no fix yet: busybox (CVE-2026-10003)"),
                arguments("a package with fixed and unfixed vulnerabilities is named in both",
                        report(fixed("CVE-1", Severity.HIGH, "openssl", "3.0.1", "3.0.2"), unfixed("CVE-2", Severity.CRITICAL, "openssl", "3.0.1")),
                        "denied: 1 CRITICAL, 1 HIGH in 1 package at or above HIGH; upgrade openssl 3.0.1 -> 3.0.2 (CVE-1); "
                                + "no fix yet: openssl (CVE-2)"),
                arguments("only unfixed", report(unfixed("CVE-2019-18276", Severity.HIGH, "bash", "5.0-4")),
                        "denied: 1 HIGH at or above HIGH; no fix yet: bash (CVE-2019-18276)"),
                arguments("one vulnerability in two packages is counted once",
                        report(fixed("CVE-2019-14697", Severity.CRITICAL, "musl", "1.1.20-r4", "1.1.20-r5"),
                                fixed("CVE-2019-14697", Severity.CRITICAL, "musl-utils", "1.1.20-r4", "1.1.20-r5")),
                        "denied: 1 CRITICAL in 2 packages at or above HIGH; upgrade musl 1.1.20-r4 -> 1.1.20-r5 (CVE-2019-14697), "
                                + "musl-utils 1.1.20-r4 -> 1.1.20-r5 (CVE-2019-14697)"),
                arguments("two vulnerabilities of one package: the version that fixes both",
                        report(fixed("CVE-2019-1549", Severity.HIGH, "libcrypto1.1", "1.1.1b-r1", "1.1.1d-r0"),
                                fixed("CVE-2019-1551", Severity.HIGH, "libcrypto1.1", "1.1.1b-r1", "1.1.1d-r2")),
                        "denied: 2 HIGH in 1 package at or above HIGH; upgrade libcrypto1.1 1.1.1b-r1 -> 1.1.1d-r2 (CVE-2019-1549, CVE-2019-1551)"),
                arguments("a version of ten beats a version of nine",
                        report(fixed("CVE-1", Severity.HIGH, "lib", "1.9", "1.10"), fixed("CVE-2", Severity.HIGH, "lib", "1.9", "1.9.5")),
                        "denied: 2 HIGH in 1 package at or above HIGH; upgrade lib 1.9 -> 1.10 (CVE-1, CVE-2)"),
                arguments("branches: the one on the installed line",
                        report(fixed("CVE-2020-8165", Severity.HIGH, "activesupport", "6.0.2.1", "6.0.3.1, 5.2.4.3")),
                        "denied: 1 HIGH at or above HIGH; upgrade activesupport 6.0.2.1 -> 6.0.3.1 (CVE-2020-8165)"),
                arguments("branches: trivy's text when the installed line has none",
                        report(fixed("CVE-2022-22965", Severity.CRITICAL, "org.springframework:spring-beans", "4.3.0", "5.3.18, 5.2.20")),
                        "denied: 1 CRITICAL at or above HIGH; upgrade org.springframework:spring-beans 4.3.0 -> 5.3.18, 5.2.20 (CVE-2022-22965)"),
                arguments("ranges: trivy's text",
                        report(fixed("CVE-2019-15542", Severity.HIGH, "ammonia", "1.9.0", ">= 2.1.0"),
                                fixed("CVE-2021-38193", Severity.HIGH, "ammonia", "1.9.0", ">= 3.1.0, >= 2.1.3, < 3.0.0")),
                        "denied: 2 HIGH in 1 package at or above HIGH; upgrade ammonia 1.9.0 -> >= 2.1.0 and >= 3.1.0, >= 2.1.3, < 3.0.0 "
                                + "(CVE-2019-15542, CVE-2021-38193)"),
                arguments("many vulnerabilities of one package: the first three and how many more",
                        report(IntStream.rangeClosed(1, 5).mapToObj(i -> fixed("CVE-" + i, Severity.HIGH, "glibc", "2.36-9", "2.36-9+deb12u4"))
                                .toArray(Finding[]::new)),
                        "denied: 5 HIGH in 1 package at or above HIGH; upgrade glibc 2.36-9 -> 2.36-9+deb12u4 (CVE-1, CVE-2, CVE-3, +2)"),
                arguments("an OS past its end of support is said first",
                        endOfSupport("alpine 3.9.4", fixed("CVE-2019-14697", Severity.CRITICAL, "musl", "1.1.20-r4", "1.1.20-r5")),
                        "denied: alpine 3.9.4 is past end of support: rebuild on a supported base image; 1 CRITICAL at or above HIGH; "
                                + "upgrade musl 1.1.20-r4 -> 1.1.20-r5 (CVE-2019-14697)"),
                arguments("hostile package names and versions stay on one line",
                        report(fixed("CVE-1\nX", Severity.HIGH, "evil\n\rpkg\u202E\u2028", "1.0\t", "2.0\u0000"),
                                unfixed("CVE-2", Severity.HIGH, "x".repeat(500), "1")),
                        "denied: 2 HIGH at or above HIGH; upgrade evil??pkg? 1.0 -> 2.0? (CVE-1?X); no fix yet: "
                                + "x".repeat(Remedy.NAME_LIMIT - 3) + "... (CVE-2)"),
                arguments("a finding without a package", report(fixed("CVE-1", Severity.HIGH, null, null, "1.1")),
                        "denied: 1 HIGH at or above HIGH; upgrade (unnamed package) -> 1.1 (CVE-1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reasons")
    void namesTheFix(String name, ScanReport report, String reason) {
        Verdict verdict = judged("registry.test/app:1", report);

        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.reason()).isEqualTo(reason);
    }

    @Test
    void whenTheLineIsFullSaysHowManyMoreAndWhereToLook() {
        List<Finding> findings = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            findings.add(fixed("CVE-2026-%05d".formatted(i), Severity.HIGH, "package-number-" + i, "1.0." + i, "1.0." + (i + 1)));
        }
        String image = "registry.test/" + "a".repeat(150) + ":1";

        Verdict verdict = judged(image, report(findings.toArray(Finding[]::new)));

        int limit = 1024 - 40 - image.length() - 2;
        assertThat(verdict.reason()).hasSizeLessThanOrEqualTo(limit).hasSizeGreaterThan(limit - 80)
                .startsWith("denied: 60 HIGH at or above HIGH; upgrade package-number-0 1.0.0 -> 1.0.1 (CVE-2026-00000), ")
                .matches(".*, package-number-\\d+ [^,]+ \\(CVE-2026-\\d{5}\\); and \\d+ more \\(status.images, the audit log, imagegate check\\)")
                .doesNotContain("\n");
        int shown = verdict.reason().split("package-number-").length - 1;
        assertThat(verdict.reason()).endsWith("; and " + (60 - shown) + " more (status.images, the audit log, imagegate check)");
        assertThat(verdict.remedy().fixes()).hasSize(60);
    }

    @Test
    void aShorterLineNamesFewerPackagesRatherThanCuttingOneOff() {
        Verdict verdict = judged("app:1", report(IntStream.range(0, 10)
                .mapToObj(i -> fixed("CVE-" + i, Severity.HIGH, "pkg" + i, "1", "2")).toArray(Finding[]::new)));

        assertThat(verdict.reasonWithin(150)).isEqualTo("denied: 10 HIGH at or above HIGH; upgrade pkg0 1 -> 2 (CVE-0), "
                + "pkg1 1 -> 2 (CVE-1); and 8 more (status.images, the audit log, imagegate check)");
        assertThat(verdict.reasonWithin(1000)).isEqualTo(verdict.reason());
    }

    @Test
    void theStructureCarriesEveryPackage() {
        Verdict verdict = judged("app:1", endOfSupport("alpine 3.9.4",
                fixed("CVE-1", Severity.CRITICAL, "musl", "1.1.20-r4", "1.1.20-r5"),
                fixed("CVE-2", Severity.HIGH, "musl", "1.1.20-r4", "1.1.20-r4a"),
                unfixed("CVE-3", Severity.HIGH, "busybox", "1.29.3-r10"),
                fixed("CVE-4", Severity.LOW, "zlib", "1", "2")));

        assertThat(verdict.remedy().fixes()).containsExactly(
                new Remedy.Fix("musl", "1.1.20-r4", "1.1.20-r5", List.of("CVE-1", "CVE-2")));
        assertThat(verdict.remedy().unfixed()).containsExactly(new Remedy.Unfixed("busybox", "1.29.3-r10", List.of("CVE-3")));
        assertThat(verdict.remedy().osEndOfSupport()).isEqualTo("alpine 3.9.4");
    }

    @Test
    void aMaximumCountCountsDistinctVulnerabilities() {
        Policy atMostOneHigh = PolicyReader.read("defaults: {severity: CRITICAL, maxCounts: {HIGH: 1}}".getBytes(), Action.DENY, TODAY);
        Finding inMusl = fixed("CVE-1", Severity.HIGH, "musl", "1.1.20-r4", "1.1.20-r5");
        Finding inMuslUtils = fixed("CVE-1", Severity.HIGH, "musl-utils", "1.1.20-r4", "1.1.20-r5");

        Verdict once = atMostOneHigh.judge(ImageReference.parse("app:1"), new ScanOutcome.Scanned(report(inMusl, inMuslUtils)), "default");
        Verdict twice = atMostOneHigh.judge(ImageReference.parse("app:1"), new ScanOutcome.Scanned(report(inMusl, inMuslUtils,
                fixed("CVE-2", Severity.HIGH, "zlib", "1", "2"))), "default");

        assertThat(once.allowed()).isTrue();
        assertThat(twice.reason()).isEqualTo("denied: 2 HIGH in 3 packages, more than 1 allowed; upgrade musl 1.1.20-r4 -> 1.1.20-r5 "
                + "(CVE-1), musl-utils 1.1.20-r4 -> 1.1.20-r5 (CVE-1), zlib 1 -> 2 (CVE-2)");
    }

    @Test
    void anAllowedImageStillSaysItsOsIsPastEndOfSupport() {
        Verdict verdict = judged("app:1", endOfSupport("alpine 3.9.4", fixed("CVE-1", Severity.LOW, "zlib", "1", "2")));

        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.reason()).isEqualTo("allowed: no vulnerabilities at or above HIGH");
        assertThat(verdict.remedy().osEndOfSupport()).isEqualTo("alpine 3.9.4");
        assertThat(verdict.remedy().fixes()).isEmpty();
    }
}
