package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Policy + what the scanner says -> verdict and reason, case by case, as an operator would write them. Each
 * image goes the way a review takes it: its reference, the rules that need no scan, then its scan.
 */
class PolicyTest {

    /** Reviews in these tests happen on 2027-01-31. */
    static final Clock TODAY = Clock.fixed(Instant.parse("2027-01-31T12:00:00Z"), ZoneOffset.UTC);

    static final String NONE = "";
    /** An image the scanner is never asked about: its reference is invalid, or a rule decides it. */
    static final ScanOutcome NEVER_SCANNED = null;
    static final ScanOutcome CLEAN = scanned();
    static final ScanOutcome NGINX_1_19 = scanned("CVE-2021-23017:CRITICAL", "CVE-2021-3618:HIGH", "CVE-2021-3711:HIGH",
            "CVE-2022-0778:HIGH", "CVE-2020-1:MEDIUM");

    static Stream<Arguments> verdicts() {
        return Stream.of(
                // the built-in rule
                arguments("no findings", NONE, "default", "nginx:1.27", CLEAN, true, "allowed: no vulnerabilities at or above HIGH"),
                arguments("below the threshold", NONE, "default", "nginx:1.27", scanned("CVE-1:MEDIUM", "CVE-2:LOW", "CVE-3:UNKNOWN"),
                        true, "allowed: no vulnerabilities at or above HIGH"),
                arguments("counts and first CVEs", NONE, "default", "nginx:1.19", NGINX_1_19, false,
                        "denied: 1 CRITICAL, 3 HIGH at or above HIGH; upgrade "
                                + upgrades("CVE-2021-23017", "CVE-2021-3618", "CVE-2021-3711", "CVE-2022-0778")),
                arguments("one CVE reported twice is counted once", NONE, "default", "app:1", scanned("CVE-9:HIGH", "CVE-9:HIGH"),
                        false, "denied: 1 HIGH at or above HIGH; upgrade " + upgrades("CVE-9")),
                arguments("scan failure fails closed", NONE, "default", "app:1", new ScanOutcome.ScanFailed("unable to find the specified image"),
                        false, "denied: scan failed: unable to find the specified image"),
                arguments("invalid reference", NONE, "default", "BAD", NEVER_SCANNED,
                        false, "denied: invalid image reference: repository name must be lowercase"),
                arguments("pending denies by default", NONE, "default", "app:1", new Pending("scan in progress"),
                        false, "denied: scan in progress"),

                // thresholds and counts
                arguments("threshold CRITICAL", "defaults: {severity: CRITICAL}", "default", "app:1", scanned("CVE-1:HIGH"),
                        true, "allowed: no vulnerabilities at or above CRITICAL"),
                arguments("threshold MEDIUM", "defaults: {severity: medium}", "default", "app:1", scanned("CVE-1:MEDIUM"),
                        false, "denied: 1 MEDIUM at or above MEDIUM; upgrade " + upgrades("CVE-1")),
                arguments("threshold LOW", "defaults: {severity: LOW}", "default", "app:1", scanned("CVE-1:LOW", "CVE-2:UNKNOWN"),
                        false, "denied: 1 LOW at or above LOW; upgrade " + upgrades("CVE-1")),
                arguments("within a maximum count", "defaults: {severity: CRITICAL, maxCounts: {HIGH: 3}}", "default", "nginx:1.19",
                        scanned("CVE-1:HIGH", "CVE-2:HIGH", "CVE-3:HIGH"), true, "allowed: no vulnerabilities at or above CRITICAL"),
                arguments("past a maximum count", "defaults: {severity: CRITICAL, maxCounts: {HIGH: 2}}", "default", "app:1",
                        scanned("CVE-1:HIGH", "CVE-2:HIGH", "CVE-3:HIGH"), false,
                        "denied: 3 HIGH, more than 2 allowed; upgrade " + upgrades("CVE-1", "CVE-2", "CVE-3")),

                // unfixed
                arguments("unfixed ignored", "defaults: {ignoreUnfixed: true}", "default", "app:1", scanned("CVE-1:CRITICAL:unfixed"),
                        true, "allowed: no vulnerabilities at or above HIGH"),
                arguments("fixed still count", "defaults: {ignoreUnfixed: true}", "default", "app:1",
                        scanned("CVE-1:CRITICAL:unfixed", "CVE-2:HIGH"), false,
                        "denied: 1 HIGH at or above HIGH; upgrade " + upgrades("CVE-2")),

                // exceptions
                arguments("exception applies", EXCEPTION, "default", "nginx:1.19", scanned("CVE-2023-1234:HIGH"), true,
                        "allowed: CVE-2023-1234 excepted until 2027-01-31 (JIRA-42)"),
                arguments("exception leaves other findings", EXCEPTION, "default", "nginx:1.19",
                        scanned("CVE-2023-1234:HIGH", "CVE-2:CRITICAL"), false,
                        "denied: 1 CRITICAL at or above HIGH; upgrade " + upgrades("CVE-2")),
                arguments("exception for other images", EXCEPTION, "default", "redis:7", scanned("CVE-2023-1234:HIGH"), false,
                        "denied: 1 HIGH at or above HIGH; upgrade " + upgrades("CVE-2023-1234")),
                arguments("exception for other namespaces", EXCEPTION_IN_TEAM_A, "team-b", "nginx:1.19", scanned("CVE-2023-1234:HIGH"),
                        false, "denied: 1 HIGH at or above HIGH; upgrade " + upgrades("CVE-2023-1234")),
                arguments("exception in its namespace", EXCEPTION_IN_TEAM_A, "team-a", "nginx:1.19", scanned("CVE-2023-1234:HIGH"),
                        true, "allowed: CVE-2023-1234 excepted until 2027-01-31 (JIRA-42)"),
                arguments("expired exception", EXPIRED_EXCEPTION, "default", "nginx:1.19", scanned("CVE-2023-1234:HIGH"), false,
                        "denied: 1 HIGH at or above HIGH; upgrade " + upgrades("CVE-2023-1234")),

                // registries
                arguments("registry not allowed", REGISTRIES, "default", "evil.example/x:1", CLEAN, false,
                        "denied: registry evil.example is not allowed"),
                arguments("repository not allowed", REGISTRIES, "default", "ghcr.io/other-org/x:1", CLEAN, false,
                        "denied: repository ghcr.io/other-org/x is not allowed"),
                arguments("prefix is not a repository prefix", REGISTRIES, "default", "ghcr.io/my-org-evil/x:1", CLEAN, false,
                        "denied: repository ghcr.io/my-org-evil/x is not allowed"),
                arguments("repository prefix allowed", REGISTRIES, "default", "ghcr.io/my-org/app:1", CLEAN, true,
                        "allowed: no vulnerabilities at or above HIGH"),
                arguments("Docker Hub short name normalised", REGISTRIES, "default", "nginx", CLEAN, true,
                        "allowed: no vulnerabilities at or above HIGH"),
                arguments("Docker Hub user repository not in library", REGISTRIES, "default", "someone/nginx:1", CLEAN, false,
                        "denied: repository docker.io/someone/nginx is not allowed"),
                arguments("whole registry host allowed", REGISTRIES, "default", "registry.k8s.io/pause:3.10", CLEAN, true,
                        "allowed: no vulnerabilities at or above HIGH"),

                // image rules
                arguments("allow rule skips the scan", IMAGE_RULES, "default", "registry.k8s.io/pause:3.10", NGINX_1_19, true,
                        "allowed: image matches allow rule registry.k8s.io/pause:* (not scanned)"),
                arguments("deny rule", IMAGE_RULES, "default", "nginx:latest", CLEAN, false,
                        "denied: image matches deny rule *:latest"),
                arguments("deny wins over allow", IMAGE_RULES, "default", "registry.k8s.io/pause:latest", CLEAN, false,
                        "denied: image matches deny rule *:latest"),

                // digests
                arguments("digest required", "defaults: {requireDigest: true}", "default", "nginx:1.27", CLEAN, false,
                        "denied: image must be pinned by digest (name@sha256:...)"),
                arguments("digest given", "defaults: {requireDigest: true}", "default", "nginx@sha256:" + "a".repeat(64), CLEAN,
                        true, "allowed: no vulnerabilities at or above HIGH"),
                arguments("digest required in one namespace", DIGEST_IN_PROD, "dev", "nginx:1.27", CLEAN, true,
                        "allowed: no vulnerabilities at or above HIGH"),
                arguments("digest required in that namespace", DIGEST_IN_PROD, "prod", "nginx:1.27", CLEAN, false,
                        "denied: image must be pinned by digest (name@sha256:...)"),

                // namespaces
                arguments("exempt namespace", NAMESPACES, "kube-system", "nginx:1.19", NGINX_1_19, true,
                        "allowed: namespace kube-system is exempt"),
                arguments("exempt namespace, even invalid", NAMESPACES, "kube-system", "BAD", NEVER_SCANNED,
                        true, "allowed: namespace kube-system is exempt"),
                arguments("namespace threshold", NAMESPACES, "sandbox", "nginx:1.19", scanned("CVE-1:HIGH"), true,
                        "allowed: no vulnerabilities at or above CRITICAL"),
                arguments("namespace scan errors allowed", NAMESPACES, "sandbox", "app:1", new ScanOutcome.ScanFailed("registry down"),
                        true, "allowed: scan failed: registry down"),
                arguments("namespace pending allowed", NAMESPACES, "sandbox", "app:1", new Pending("scan in progress"),
                        true, "allowed: scan in progress"),
                arguments("other namespaces keep the defaults", NAMESPACES, "default", "app:1", new ScanOutcome.ScanFailed("registry down"),
                        false, "denied: scan failed: registry down"));
    }

    static final String EXCEPTION = """
            exceptions:
              - id: CVE-2023-1234
                images: ["docker.io/library/nginx:*"]
                expires: 2027-01-31
                reason: JIRA-42
            """;
    static final String EXCEPTION_IN_TEAM_A = EXCEPTION + "    namespaces: [team-a]\n";
    static final String EXPIRED_EXCEPTION = EXCEPTION.replace("2027-01-31", "2027-01-30");
    static final String REGISTRIES = "registries: [docker.io/library/, ghcr.io/my-org, registry.k8s.io]\n";
    static final String IMAGE_RULES = """
            images:
              allow: ["registry.k8s.io/pause:*"]
              deny: ["*:latest"]
            """;
    static final String DIGEST_IN_PROD = "namespaces: {overrides: {prod: {requireDigest: true}}}\n";
    static final String NAMESPACES = """
            namespaces:
              exempt: [kube-system]
              overrides:
                sandbox: {severity: CRITICAL, onScanError: allow, onPending: allow}
            """;

    @ParameterizedTest(name = "{0}")
    @MethodSource("verdicts")
    void judges(String name, String policyYaml, String namespace, String image, Object scanner, boolean allowed,
                String reason) {
        Verdict verdict = verdict(policy(policyYaml), image, scanner, namespace);

        assertThat(verdict.reason()).isEqualTo(reason);
        assertThat(verdict.allowed()).isEqualTo(allowed);
    }

    @Test
    void rulesThatNeedNoScanKeepImagesFromTheScanner() {
        Policy policy = policy(REGISTRIES + IMAGE_RULES + NAMESPACES + "defaults: {requireDigest: false}\n");

        assertThat(policy.ruleWithoutScan(ImageReference.parse("evil.example/x:1"), "default")).isPresent();
        assertThat(policy.ruleWithoutScan(ImageReference.parse("registry.k8s.io/pause:3.10"), "default")).isPresent();
        assertThat(policy.ruleWithoutScan(ImageReference.parse("nginx:latest"), "default")).isPresent();
        assertThat(policy.ruleWithoutScan(ImageReference.parse("nginx:1.27"), "kube-system")).isPresent();
        assertThat(policy.ruleWithoutScan(ImageReference.parse("nginx:1.27"), "default")).isEmpty();
    }

    @Test
    void appliedExceptionsAreNamedOnTheVerdict() {
        Verdict verdict = verdict(policy(EXCEPTION), "nginx:1.19", scanned("CVE-2023-1234:HIGH", "CVE-5:LOW"), "default");

        assertThat(verdict.exceptions()).containsExactly("CVE-2023-1234 excepted until 2027-01-31 (JIRA-42)");
    }

    static Stream<Arguments> enforcement() {
        String breakGlass = "breakGlass: {namespaces: [prod]}\n";
        Map<String, String> broken = Map.of("ops.image-policy.k8s.io/break-glass", "INC-7 outage");
        return Stream.of(
                arguments("enforce by default", NONE, "default", Map.of(), Enforcement.ENFORCE),
                arguments("audit globally", "defaults: {mode: audit}", "default", Map.of(), Enforcement.AUDIT),
                arguments("audit in one namespace", "namespaces: {overrides: {dev: {mode: audit}}}", "dev", Map.of(), Enforcement.AUDIT),
                arguments("break-glass where permitted", breakGlass, "prod", broken, Enforcement.breakGlass("INC-7 outage")),
                arguments("break-glass elsewhere is ignored", breakGlass, "default", broken, Enforcement.ENFORCE),
                arguments("break-glass needs a reason", breakGlass, "prod", Map.of("ops.image-policy.k8s.io/break-glass", " "),
                        Enforcement.ENFORCE),
                arguments("other annotations are not break-glass", breakGlass, "prod",
                        Map.of("ops.image-policy.k8s.io/ticket", "INC-7"), Enforcement.ENFORCE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enforcement")
    void decidesHowAReviewIsEnforced(String name, String policyYaml, String namespace, Map<String, String> annotations,
                                     Enforcement expected) {
        assertThat(policy(policyYaml).enforcement(namespace, annotations)).isEqualTo(expected);
    }

    static final String SECOND_EXCEPTION_WITHOUT_END = """
            exceptions:
              - id: CVE-1
                expires: 2027-01-01
                reason: JIRA-1
              - id: CVE-2
                reason: JIRA-2
            """;
    static final String ALIASED_DATE = """
            exceptions:
              - id: CVE-1
                expires: &end 2027-01-31
                reason: JIRA-1
              - id: CVE-2
                expires: *end
                reason: JIRA-2
            """;
    static final String MERGED_OVERRIDE = """
            namespaces:
              overrides:
                team-a: &strict
                  severity: MEDIUM
                team-b:
                  <<: *strict
            """;
    static final String NEGATIVE_COUNT_IN_A_NAMESPACE = """
            namespaces:
              overrides:
                team-a:
                  maxCounts: {medium: -2}
            """;

    static Stream<Arguments> invalidPolicies() {
        return Stream.of(
                arguments("defaults:\n  mode: audit\n  severty: HIGH\n", "at line 3, field defaults.severty: unknown field \"severty\""),
                arguments("defaults:\n  severity: SEVERE\n", "at line 2, column 13, field defaults.severity: \"SEVERE\" is not a valid value (one of unknown, low, medium, high, critical)"),
                arguments("defaults: {mode: audit, severty: HIGH}", "at line 1, field defaults.severty: unknown field"),
                arguments("defaults: {mode: block}", "field defaults.mode: \"block\" is not a valid value (one of enforce, audit)"),
                arguments("exceptions:\n  - id: CVE-1\n    reason: x\n",
                        "at line 2, field exceptions[0].expires: missing: every exception must end (YYYY-MM-DD)"),
                arguments("exceptions:\n  - id: CVE-1\n    expires: 2027-01-01\n",
                        "at line 2, field exceptions[0].reason: missing: why (a ticket or a sentence)"),
                arguments("exceptions:\n  - expires: 2027-01-01\n    reason: x\n",
                        "at line 2, field exceptions[0].id: missing: the vulnerability ID it excepts"),
                arguments(SECOND_EXCEPTION_WITHOUT_END, "at line 5, field exceptions[1].expires: missing: every exception must end"),
                arguments("exceptions:\n  - id: CVE-1\n    expires: soon\n    reason: x\n",
                        "at line 3, column 14, field exceptions[0].expires: \"soon\" is not a valid LocalDate"),
                arguments("defaults: {maxCounts: {HIGH: -1}}", "at line 1, field defaults.maxCounts.HIGH: must be 0 or more"),
                arguments(NEGATIVE_COUNT_IN_A_NAMESPACE, "at line 4, field namespaces.overrides.team-a.maxCounts.MEDIUM: must be 0 or more"),
                arguments("registries: [\"\"]", "at line 1, field registries[0]: must not be empty"),
                arguments("registries:\n  - registry.example\n  - \" \"\n", "at line 3, field registries[1]: must not be empty"),
                arguments("registries: {a: b}", "field registries"),
                arguments(ALIASED_DATE, "at line 6, field exceptions[1].expires: *end repeats what &end marks, and the policy"
                        + " file does not expand YAML anchors and aliases: write the value out"),
                arguments(MERGED_OVERRIDE, "at line 6, field namespaces.overrides.team-b.<<: *strict repeats what &strict marks"),
                arguments("defaults: [", "at line 1"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidPolicies")
    void explainsWhereAPolicyFileIsWrong(String policyYaml, String error) {
        assertThatThrownBy(() -> policy(policyYaml)).isInstanceOf(InvalidPolicyException.class).hasMessageContaining(error);
    }

    @Test
    void theShippedExampleEncodesTheDefaultRule() throws Exception {
        Policy shipped = PolicyReader.read(Files.readAllBytes(Path.of("config/policy.yaml")), Action.DENY, TODAY);

        assertThat(verdict(shipped, "nginx:1.19", NGINX_1_19, "default").allowed()).isFalse();
        assertThat(verdict(shipped, "nginx:1.27", scanned("CVE-1:MEDIUM"), "default").allowed()).isTrue();
        assertThat(verdict(shipped, "nginx:1.19", NGINX_1_19, "kube-system").allowed()).isTrue();
    }

    /** The upgrades the reason names for findings made by {@link #scanned}, in the order given. */
    static String upgrades(String... ids) {
        return Arrays.stream(ids).map(id -> "p-" + id + " 1.0 -> 1.1 (" + id + ")").collect(Collectors.joining(", "));
    }

    /** A scan still running when the review's deadline came, with the reason the review gives. */
    record Pending(String reason) {
    }

    /**
     * The verdict on {@code image} as a review reaches it: an invalid reference, else a rule that needs no scan,
     * else what the scanner says ({@link ScanOutcome} or {@link Pending}).
     */
    static Verdict verdict(Policy policy, String image, Object scanner, String namespace) {
        ImageReference reference;
        try {
            reference = ImageReference.parse(image);
        } catch (InvalidImageReferenceException e) {
            return policy.invalid(image, e.getMessage(), namespace);
        }
        Optional<Verdict> ruled = policy.ruleWithoutScan(reference, namespace);
        if (ruled.isPresent()) {
            return ruled.get();
        }
        return scanner instanceof Pending pending ? policy.pending(image, pending.reason(), namespace)
                : policy.judge(reference, (ScanOutcome) scanner, namespace);
    }

    static Policy policy(String yaml) {
        return PolicyReader.read(yaml.getBytes(StandardCharsets.UTF_8), Action.DENY, TODAY);
    }

    /**
     * "CVE-1:HIGH" is a finding in package p-CVE-1 1.0, fixed in 1.1; "CVE-1:HIGH:unfixed" has no fixed version.
     */
    static ScanOutcome scanned(String... findings) {
        List<Finding> parsed = Arrays.stream(findings).map(spec -> spec.split(":"))
                .map(p -> new Finding(p[0], Severity.valueOf(p[1]), "p-" + p[0], "1.0",
                        p.length > 2 ? null : "1.1", p.length > 2 ? "affected" : "fixed"))
                .toList();
        return new ScanOutcome.Scanned(new ScanReport(parsed, List.of(), "0.74.0", null, null));
    }
}
