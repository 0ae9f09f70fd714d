package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class TrivyOutputTest {

    private static final Path REPORTS = Path.of("src/test/trivy/reports");

    private final TrivyOutput output = new TrivyOutput(new ObjectMapper(), new TrivyProperties("trivy",
            Duration.ofMinutes(5), null, null, null, null, false, null, Map.of(), DataSize.ofMegabytes(32), Duration.ofDays(7)));

    @Test
    void readsFindingsFromEveryResultMostSevereFirst() throws IOException {
        ScanReport report = scanned(report("vulnerable"));

        assertThat(report.findings()).extracting(Finding::vulnerabilityId).containsExactly(
                "CVE-2022-22965", "CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003", "CVE-2026-10004",
                "CVE-2026-10005", "CVE-2026-10006");
        assertThat(report.findings().get(0)).isEqualTo(new Finding("CVE-2022-22965", Severity.CRITICAL,
                "org.springframework:spring-beans", "5.3.15", "5.3.18, 5.2.20", "fixed"));
        assertThat(report.findings().get(3).hasFix()).isFalse();
        assertThat(report.repoDigests()).hasSize(1);
        assertThat(report.scannerVersion()).isEqualTo("0.74.0");
    }

    @Test
    void readsWhetherTheOsReleaseIsPastItsEndOfSupport() throws IOException {
        ScanReport endOfLife = scanned(report("eosl"));

        assertThat(endOfLife.osEndOfSupport()).isEqualTo("alpine 3.9.4");
        assertThat(endOfLife.findings()).extracting(Finding::packageName)
                .containsExactly("musl", "musl-utils", "libcrypto1.1", "libcrypto1.1", "busybox");
        assertThat(scanned(report("vulnerable")).osEndOfSupport()).isNull();
        assertThat(scanned(report("nothing")).osEndOfSupport()).isNull();
    }

    @Test
    void aResultWithoutVulnerabilitiesAndAReportWithoutResultsAreClean() throws IOException {
        assertThat(scanned(report("clean")).findings()).isEmpty();
        ScanReport nothing = scanned(report("nothing"));
        assertThat(nothing.findings()).isEmpty();
        assertThat(nothing.repoDigests()).isEmpty();
        assertThat(nothing.scannerVersion()).isNull();
    }

    @Test
    void ignoresFieldsItDoesNotKnowAndFindingsWithoutAnId() {
        ScanReport report = scanned("{\"SchemaVersion\":3,\"Future\":{\"x\":1},\"Results\":[{\"Vulnerabilities\":"
                + "[{\"Severity\":\"HIGH\"},{\"VulnerabilityID\":\"CVE-1\",\"Severity\":\"SEVERE\",\"New\":true}]}]}");

        assertThat(report.findings()).containsExactly(new Finding("CVE-1", Severity.UNKNOWN, null, null, null, null));
    }

    /** What trivy v0.74.0 prints when the registry refuses connections (captured from a real run). */
    static final String REGISTRY_DOWN = "2026-11-28T10:28:00Z\tFATAL\tFatal error\trun error: image scan error: scan error: unable to"
            + " initialize a scan service: unable to initialize artifact: unable to initialize container image: unable to find"
            + " the specified image \"127.0.0.1:1/e2e/refused:1\" in [\"remote\"]: 1 error occurred:\n\t* remote error: Get"
            + " \"https://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused; Get \"http://127.0.0.1:1/v2/\":"
            + " dial tcp 127.0.0.1:1: connect: connection refused\n";
    /** ... and when it answers 503. */
    static final String REGISTRY_503 = "2026-11-28T10:28:05Z\tFATAL\tFatal error\trun error: image scan error: scan error: unable to"
            + " initialize a scan service: unable to initialize artifact: unable to initialize container image: unable to find"
            + " the specified image \"127.0.0.1:18555/e2e/unavailable:1\" in [\"remote\"]: 1 error occurred:\n\t* remote error: Get"
            + " \"https://127.0.0.1:18555/v2/\": tls: first record does not look like a TLS handshake; GET"
            + " http://127.0.0.1:18555/v2/: unexpected status code 503 Service Unavailable: x\n";

    static Stream<Arguments> failures() {
        String missing = "2026-11-27T10:00:00Z\tFATAL\tFatal error\timage scan error: unable to find the specified image "
                + "\"x\" in [\"docker\" \"remote\"]: MANIFEST_UNKNOWN\n";
        return Stream.of(
                arguments(1, "", missing, "trivy failed (exit 1): unable to find the specified image"),
                arguments(1, "", "FATAL\tFatal error\tGET https://r/v2/: UNAUTHORIZED: authentication required",
                        "trivy failed (exit 1): registry refused the scanner's credentials (UNAUTHORIZED)"),
                arguments(1, "", REGISTRY_DOWN, "trivy failed (exit 1): 127.0.0.1:1 refused the connection"),
                arguments(1, "", REGISTRY_503, "trivy failed (exit 1): registry answered 503 Service Unavailable"),
                arguments(1, "", REGISTRY_DOWN.replace("Get \"https://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused; ", "")
                        .replace("connect: connection refused", "i/o timeout"), "trivy failed (exit 1): 127.0.0.1:1 did not answer in time (i/o timeout)"),
                arguments(1, "", "FATAL\tunable to find the specified image: Get \"https://registry.invalid/v2/\": dial tcp: lookup"
                        + " registry.invalid on 10.0.0.2:53: no such host", "trivy failed (exit 1): registry.invalid not found (no such host)"),
                arguments(1, "", REGISTRY_DOWN.replace("remote error: Get", "remote error: GET https://r/v2/: UNAUTHORIZED: authentication required; Get")
                        .replace("connection refused", "reset"), "trivy failed (exit 1): registry refused the scanner's credentials (UNAUTHORIZED)"),
                arguments(1, "", "FATAL\tinit error: --skip-db-update cannot be specified on the first run",
                        "trivy failed (exit 1): vulnerability DB is missing"),
                arguments(2, "", "panic: runtime error\ngoroutine 1 [running]:\nmain.main()\n",
                        "trivy failed (exit 2): main.main()"),
                arguments(1, "", "", "trivy failed (exit 1): no error message"),
                arguments(0, "", "", "trivy printed no report"),
                arguments(0, "  \n", "WARN something", "trivy printed no report: WARN something"),
                arguments(0, "not a report", "", "trivy's output is not a JSON report"),
                arguments(0, "[]", "", "trivy's output is not a JSON report"),
                arguments(137, "{\"SchemaVersion\": 2, \"Resu", "", "trivy was killed by signal 9 (out of memory?)"),
                arguments(143, "", "", "trivy was killed by signal 15"),
                arguments(0, "{\"SchemaVersion\": 2, \"Resu", "", "trivy's output is not a JSON report"),
                arguments(0, "{\"Results\":[]}", "", "trivy's output is not a JSON report"),
                arguments(TrivyProcessExecutor.KILLED_ON_TIMEOUT, "{", "", "trivy did not finish within 300s and was stopped"),
                arguments(TrivyProcessExecutor.REPORT_TOO_LARGE, "{", "", "trivy's report is larger than imagegate.trivy.max-report-size"));
    }

    @ParameterizedTest(name = "exit {0}: {3}")
    @MethodSource("failures")
    void turnsTrivyErrorsIntoScanFailures(int exit, String stdout, String stderr, String reason) throws IOException {
        ScanOutcome outcome = output.outcome(result(exit, stdout, stderr), null);

        assertThat(outcome).isInstanceOf(ScanOutcome.ScanFailed.class);
        assertThat(((ScanOutcome.ScanFailed) outcome).reason()).startsWith(reason);
    }

    @Test
    void quotesLongErrorsOnOneShortLine() {
        String reason = TrivyOutput.explain("FATAL\t" + "very long error\n".repeat(100));

        assertThat(reason).hasSizeLessThanOrEqualTo(TrivyOutput.REASON_LIMIT + 3).doesNotContain("\n");
    }

    private ScanReport scanned(String stdout) {
        try {
            ScanOutcome outcome = output.outcome(result(0, stdout, ""), null);
            assertThat(outcome).isInstanceOf(ScanOutcome.Scanned.class);
            return ((ScanOutcome.Scanned) outcome).report();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String report(String name) throws IOException {
        return Files.readString(REPORTS.resolve(name + ".json")).replace("@REPO@", "registry.test/app")
                .replace("@IMAGE@", "registry.test/app:1");
    }

    private static ExecResult result(int exit, String stdout, String stderr) {
        ExecCommand command = new ExecCommand("trivy", List.of("image"), null, 0L, Set.of(), null, null, false, LoggingLevel.OFF);
        return new ExecResult(command, new ByteArrayInputStream(stdout.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)), exit);
    }
}
