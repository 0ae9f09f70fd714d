package dev.imagegate.check;

import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** {@code imagegate check} as a CI pipeline calls it: exit code, the lines on stdout, one line of error on stderr. */
class CheckCommandTest {

    private static final String TRIVY_DOUBLE = "--imagegate.trivy.command=" + TrivyDouble.COMMAND;
    private static final String NO_TRIVY = "--imagegate.trivy.command=/nonexistent/trivy";
    private static final String NO_CRANE = "--imagegate.crane.command=/nonexistent/crane";
    private static final String VULNERABLE = "registry.test/check/vulnerable:1";
    private static final String CLEAN = "registry.test/check/clean:1";
    /** The digest src/test/trivy/reports/vulnerable.json names in its RepoDigests. */
    private static final String VULNERABLE_REPORTED_DIGEST = "sha256:76756c6e657261626c6576756c6e657261626c6576756c6e657261626c657675";

    @TempDir
    static Path files;
    private static Path policy;
    private static Path vulnerableReport;
    private static Path cleanReport;

    @BeforeAll
    static void writeFiles() throws IOException {
        policy = Files.writeString(files.resolve("policy.yaml"), """
                images:
                  allow: ["registry.test/check/allowed/*"]
                namespaces:
                  exempt: [kube-system]
                  overrides:
                    legacy: {mode: audit}
                breakGlass:
                  namespaces: [staging]
                """);
        vulnerableReport = report("vulnerable");
        cleanReport = report("clean");
    }

    static Stream<Arguments> pods() {
        return Stream.of(
                arguments("a vulnerable report is denied", List.of("--trivy-report", vulnerableReport.toString(), VULNERABLE),
                        CheckCommand.DENIED, VULNERABLE + ": denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001), "
                                + "org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965), "),
                arguments("a clean report is admitted", List.of("--trivy-report=" + cleanReport, CLEAN),
                        CheckCommand.ADMITTED, CLEAN + ": allowed: no vulnerabilities at or above HIGH"),
                arguments("trivy runs as the webhook runs it", List.of(TRIVY_DOUBLE, VULNERABLE, CLEAN),
                        CheckCommand.DENIED, VULNERABLE + ": denied: 2 CRITICAL"),
                arguments("a failed scan is denied", List.of(TRIVY_DOUBLE, "registry.test/check/missing:1"),
                        CheckCommand.DENIED, "registry.test/check/missing:1: denied: scan failed: trivy failed (exit 1): unable to find the specified image"),
                arguments("a tag its registry cannot resolve is denied", List.of(TRIVY_DOUBLE, NO_CRANE, CLEAN),
                        CheckCommand.DENIED, CLEAN + ": denied: scan failed: could not run crane"),
                arguments("a digest is scanned without asking the registry",
                        List.of(TRIVY_DOUBLE, NO_CRANE, "registry.test/check/clean@" + CraneDouble.digestOf(CLEAN)),
                        CheckCommand.ADMITTED, "registry.test/check/clean@sha256:"),
                arguments("an allow rule decides without trivy", List.of(NO_TRIVY, "registry.test/check/allowed/app:1"),
                        CheckCommand.ADMITTED, "registry.test/check/allowed/app:1: allowed: image matches allow rule"),
                arguments("an exempt namespace", List.of(NO_TRIVY, "--namespace", "kube-system", VULNERABLE),
                        CheckCommand.ADMITTED, VULNERABLE + ": allowed: namespace kube-system is exempt"),
                arguments("an invalid reference is denied unscanned", List.of(NO_TRIVY, "Registry.test/UPPER:1"),
                        CheckCommand.DENIED, "Registry.test/UPPER:1: denied: invalid image reference"),
                arguments("an audited namespace admits and says what it would deny",
                        List.of("--namespace", "legacy", "--trivy-report", vulnerableReport.toString(), VULNERABLE),
                        CheckCommand.ADMITTED, "audit: would deny: " + VULNERABLE + ": denied: 2 CRITICAL"),
                arguments("break-glass where the policy permits it",
                        List.of("--namespace", "staging", "--annotation", "team.image-policy.k8s.io/break-glass=INC-42",
                                "--trivy-report", vulnerableReport.toString(), VULNERABLE),
                        CheckCommand.ADMITTED, "break-glass: would deny: " + VULNERABLE),
                arguments("break-glass elsewhere is ignored",
                        List.of("--annotation", "team.image-policy.k8s.io/break-glass=INC-42",
                                "--trivy-report", vulnerableReport.toString(), VULNERABLE),
                        CheckCommand.DENIED, VULNERABLE + ": denied: 2 CRITICAL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pods")
    void judgesAsTheWebhookWould(String name, List<String> args, int exit, String line) {
        Run run = check(withPolicy(args));

        assertThat(run.exit()).as(run.toString()).isEqualTo(exit);
        assertThat(run.stdout().lines()).as(run.toString()).anyMatch(l -> l.startsWith(line));
        assertThat(run.stderr()).isEmpty();
    }

    static Stream<Arguments> mistakes() {
        Path missing = files.resolve("nowhere.yaml");
        return Stream.of(
                arguments(List.of("--verbose", CLEAN), "unknown option --verbose"),
                arguments(List.of(), "no image given"),
                arguments(List.of("--namespace"), "--namespace needs a value"),
                arguments(List.of("--output", "xml", CLEAN), "--output is text, json or sarif, not \"xml\""),
                arguments(List.of("--annotation", "novalue", CLEAN), "--annotation takes KEY=VALUE"),
                arguments(List.of("--policy", missing.toString(), CLEAN), "policy file " + missing + " does not exist"),
                arguments(List.of("--policy", write("broken.yaml", "defaults:\n  severity: SEVERE\n").toString(), CLEAN),
                        "at line 2, column 13, field defaults.severity: \"SEVERE\" is not a valid value"),
                arguments(List.of("--trivy-report", missing.toString(), CLEAN), "trivy report " + missing + " cannot be read"),
                arguments(List.of("--trivy-report", write("truncated.json", "{\"SchemaVersion\":2,\"Results\":[").toString(), CLEAN),
                        "is not a trivy JSON report"),
                arguments(List.of("--trivy-report", cleanReport.toString(), CLEAN, VULNERABLE),
                        "--trivy-report is the report of one image"),
                arguments(List.of("--imagegate.trivy.timeout=soon", CLEAN), "invalid configuration"),
                arguments(List.of("--manifest", missing.toString()), "manifest " + missing + " does not exist"),
                arguments(List.of("--manifest", write("bad.yaml", "kind: [unclosed\n").toString()), "manifest "),
                arguments(List.of("--manifest", missing.toString(), CLEAN), "give IMAGEs or --manifest, not both"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("mistakes")
    void usageAndInputErrorsExitTwoWithOneLine(List<String> args, String message) {
        Run run = check(args);

        assertThat(run.exit()).as(run.toString()).isEqualTo(CheckCommand.USAGE_ERROR);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr().lines()).singleElement().asString().startsWith("imagegate check: ").contains(message);
    }

    @Test
    void withoutAPolicyFileTheBuiltInRuleAppliesAndSaysSo() {
        Run run = check(List.of("--imagegate.policy.file=" + files.resolve("absent.yaml"), "--trivy-report",
                vulnerableReport.toString(), VULNERABLE));

        assertThat(run.exit()).isEqualTo(CheckCommand.DENIED);
        assertThat(run.stderr()).contains("no policy file at").contains("the built-in rule applies");
    }

    @Test
    void textShowsEachImagesFixesAsATable() {
        Run run = check(withPolicy(List.of("--trivy-report", vulnerableReport.toString(), VULNERABLE)));

        assertThat(run.stdout().lines().skip(1)).containsExactly(
                "  PACKAGE                           INSTALLED             FIXED                 VULNERABILITIES",
                "  libcrypto3                        3.1.4-r5              3.1.7-r1              CVE-2026-10001",
                "  org.springframework:spring-beans  5.3.15                5.3.18                CVE-2022-22965",
                "  musl                              1.2.4_git20230717-r4  1.2.4_git20230717-r5  CVE-2026-10002",
                "  zlib                              1.3.1-r0              1.3.1-r1              CVE-2026-10004",
                "  busybox                           1.36.1-r15            (no fix yet)          CVE-2026-10003");
    }

    @Test
    void jsonIsTheStatusTheWebhookAnswers() {
        Run run = check(withPolicy(List.of("--output", "json", "--trivy-report", vulnerableReport.toString(), VULNERABLE)));

        assertThat(run.exit()).isEqualTo(CheckCommand.DENIED);
        assertThat(run.stdout()).startsWith("{\"allowed\":false,\"reason\":\"" + VULNERABLE + ": denied: 2 CRITICAL")
                .contains("\"auditAnnotations\":{\"decision\":\"denied\",\"images-reviewed\":\"1\"")
                .contains("\"images\":[{\"image\":\"" + VULNERABLE + "\",\"digest\":\"" + VULNERABLE_REPORTED_DIGEST
                        + "\",\"allowed\":false,\"verdict\":\"VULNERABLE\"");
    }

    @Test
    void aTagIsJudgedAtTheDigestItsRegistryServesNow() {
        Run run = check(withPolicy(List.of(TRIVY_DOUBLE, "--output", "json", CLEAN)));

        String digest = CraneDouble.digestOf(CLEAN);
        assertThat(run.exit()).as(run.toString()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(run.stdout()).contains("\"image-digests\":\"" + CLEAN + "@" + digest + "\"")
                .contains("{\"image\":\"" + CLEAN + "\",\"digest\":\"" + digest + "\"");
    }

    @Test
    void aManifestIsJudgedObjectByObjectAsAdmissionWouldJudgeItsCreation() {
        Path manifest = write("app.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                data: {image: registry.test/check/vulnerable:1}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: team-a}
                spec:
                  template:
                    spec:
                      initContainers: [{name: migrate, image: registry.test/check/clean:1}]
                      containers: [{name: app, image: registry.test/check/vulnerable:1}]
                ---
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly}
                spec:
                  schedule: "0 3 * * *"
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers: [{name: job, image: registry.test/check/clean:1}]
                """);

        Run text = check(withPolicy(List.of(TRIVY_DOUBLE, "--manifest", manifest.toString())));
        Run json = check(withPolicy(List.of(TRIVY_DOUBLE, "--output", "json", "--manifest", manifest.toString())));

        assertThat(text.exit()).as(text.toString()).isEqualTo(CheckCommand.DENIED);
        // Each object, then its images' lines indented under it (with their tables of fixes).
        assertThat(text.stdout().lines().filter(line -> !line.startsWith("    ")).toList()).containsExactly(
                "Deployment team-a/web:",
                "  registry.test/check/vulnerable:1: denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 "
                        + "3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001), org.springframework:spring-beans 5.3.15 -> 5.3.18 "
                        + "(CVE-2022-22965), musl 1.2.4_git20230717-r4 -> 1.2.4_git20230717-r5 (CVE-2026-10002), zlib "
                        + "1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004); no fix yet: busybox (CVE-2026-10003)",
                "  registry.test/check/clean:1: allowed: no vulnerabilities at or above HIGH",
                "CronJob default/nightly:",
                "  registry.test/check/clean:1: allowed: no vulnerabilities at or above HIGH");
        assertThat(json.exit()).isEqualTo(CheckCommand.DENIED);
        assertThat(json.stdout()).startsWith("[{\"object\":\"Deployment team-a/web\",\"status\":{\"allowed\":false,"
                + "\"reason\":\"Deployment team-a/web: registry.test/check/vulnerable:1 (container app): denied: 2 CRITICAL");
    }

    @Test
    void aManifestWithoutPodSpecsIsAdmittedAndSaysSo() {
        Path manifest = write("config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");

        Run run = check(withPolicy(List.of(NO_TRIVY, "--manifest", manifest.toString())));

        assertThat(run.exit()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(run.stderr()).isEqualTo("imagegate check: manifest " + manifest + " has no pod spec to judge\n");
    }

    private static List<String> withPolicy(List<String> args) {
        List<String> all = new ArrayList<>(List.of("--policy", policy.toString()));
        all.addAll(args);
        return all;
    }

    private static Path report(String name) throws IOException {
        String report = Files.readString(Path.of("src/test/trivy/reports", name + ".json"))
                .replace("@REPO@", "registry.test/check/" + name).replace("@IMAGE@", "registry.test/check/" + name + ":1");
        return Files.writeString(files.resolve(name + ".json"), report);
    }

    private static Path write(String name, String content) {
        try {
            return Files.writeString(files.resolve(name), content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Run check(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CheckCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    record Run(int exit, String stdout, String stderr) {
    }
}
