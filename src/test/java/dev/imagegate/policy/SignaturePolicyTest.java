package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.signature.SignatureOutcome;
import dev.imagegate.signature.TransparencyLog;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The policy's {@code signatures} section: which rule applies to an image, what its check means, and bad files. */
class SignaturePolicyTest {

    static final Path KEYS = Path.of("src/test/resources/signature");
    static final String RELEASE = pem("release.pub");
    static final String CI = pem("ci.pub");

    static final String POLICY = """
            namespaces:
              exempt: [kube-system]
            signatures:
              - images: ["registry.corp.example/**"]
                namespaces: ["*"]
                keys:
                  - name: release
                    publicKey: |
            %s
                  - name: ci
                    file: ci.pub
                transparencyLog: ignore
              - images: ["registry.test/audited/*"]
                namespaces: [dev]
                keys:
                  - {name: release, file: release.pub}
                action: audit
            """.formatted(RELEASE.strip().indent(10).stripTrailing());

    static final Policy policy = read(POLICY);

    static Stream<Arguments> whichRuleApplies() {
        return Stream.of(
                arguments("registry.corp.example/app:1", "default", "release, ci"),
                arguments("registry.corp.example/team/app@sha256:" + "a".repeat(64), "prod", "release, ci"),
                arguments("registry.corp.example/app:1", "kube-system", "none (exempt namespace)"),
                arguments("registry.test/audited/app:1", "dev", "release"),
                arguments("registry.test/audited/app:1", "prod", "none (not its namespace)"),
                arguments("registry.test/other/app:1", "default", "none (no rule matches)"),
                arguments("nginx:1.27", "default", "none (no rule matches)"));
    }

    @ParameterizedTest(name = "{0} in {1}: {2}")
    @MethodSource
    void whichRuleApplies(String image, String namespace, String keys) {
        String applied = policy.signatureRule(ImageReference.parse(image), namespace)
                .map(rule -> rule.keys().names()).orElse(null);
        assertThat(applied == null ? keys.startsWith("none") : applied.equals(keys)).as(applied).isTrue();
    }

    @Test
    void keysAreReadInlineAndFromFilesBesideThePolicy() {
        var rule = policy.signatureRule(ImageReference.parse("registry.corp.example/app:1"), "default").orElseThrow();
        assertThat(rule.keys().keys()).extracting(key -> key.publicKey().strip()).containsExactly(RELEASE.strip(), CI.strip());
        assertThat(rule.keys().transparencyLog()).isEqualTo(TransparencyLog.IGNORE);
        assertThat(rule.action()).isEqualTo(SignatureAction.DENY);
        var audited = policy.signatureRule(ImageReference.parse("registry.test/audited/app:1"), "dev").orElseThrow();
        assertThat(audited.keys().transparencyLog()).as("the default").isEqualTo(TransparencyLog.REQUIRED);
        assertThat(audited.action()).isEqualTo(SignatureAction.AUDIT);
    }

    static final String CLEAN = "allowed: no vulnerabilities at or above HIGH";
    static final String VULNERABLE = "denied: 1 CRITICAL (CVE-1) at or above HIGH";
    static final String IMAGE = "registry.corp.example/app:1";

    static Stream<Arguments> signatureAndScanAreBothRequired() {
        return Stream.of(
                arguments(CLEAN, new SignatureOutcome.Verified("ci"), true, "allowed: no vulnerabilities at or above HIGH", "verified by ci"),
                arguments(VULNERABLE, new SignatureOutcome.Verified("release"), false, VULNERABLE, "verified by release"),
                arguments(CLEAN, new SignatureOutcome.NotSigned(), false,
                        "denied: not signed by any of release, ci (no signature found)", "missing"),
                arguments(CLEAN, new SignatureOutcome.NoMatch(), false, "denied: signature does not match release, ci", "mismatch"),
                arguments(VULNERABLE, new SignatureOutcome.NoMatch(), false,
                        "denied: signature does not match release, ci; 1 CRITICAL (CVE-1) at or above HIGH", "mismatch"),
                arguments(CLEAN, new SignatureOutcome.CheckFailed("127.0.0.1:5000 refused the connection"), false,
                        "denied: signature check failed: 127.0.0.1:5000 refused the connection", "check failed"),
                arguments(CLEAN, null, false, "denied: signature check in progress", "pending"),
                arguments(VULNERABLE, null, false, VULNERABLE, "pending"));
    }

    @ParameterizedTest(name = "scan {0}, signature {1}: {3}")
    @MethodSource
    void signatureAndScanAreBothRequired(String scan, SignatureOutcome signature, boolean allowed, String reason,
                                         String annotation) {
        Verdict verdict = policy.withSignature(scanVerdict(scan), ImageReference.parse(IMAGE), "default", signature,
                "signature check in progress");

        assertThat(verdict.allowed()).isEqualTo(allowed);
        assertThat(verdict.reason()).isEqualTo(reason);
        assertThat(verdict.signature()).isEqualTo(annotation);
    }

    @Test
    void anAuditRuleAdmitsAndSaysWhatWouldHaveDenied() {
        Verdict verdict = policy.withSignature(scanVerdict(CLEAN), ImageReference.parse("registry.test/audited/app:1"), "dev",
                new SignatureOutcome.NotSigned(), "");

        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.reason()).isEqualTo(CLEAN + "; audit: would deny: not signed by any of release (no signature found)");
        assertThat(verdict.signature()).isEqualTo("missing (audit)");
    }

    @Test
    void anImageNoRuleMatchesIsJudgedOnItsScanAlone() {
        Verdict scan = scanVerdict(CLEAN);
        assertThat(policy.withSignature(scan, ImageReference.parse("nginx:1.27"), "default", new SignatureOutcome.NotSigned(), ""))
                .isSameAs(scan);
    }

    static Stream<Arguments> badRulesSayWhere() {
        return Stream.of(
                arguments("signatures:\n  - keys: [{name: a, file: release.pub}]\n",
                        "at line 2, field signatures[0].images: missing: the images that must be signed"),
                arguments("signatures:\n  - images: [\"x/*\"]\n",
                        "at line 2, field signatures[0].keys: missing: the public keys a signature may be made with"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - file: release.pub\n",
                        "at line 4, field signatures[0].keys[0].name: missing: the name reasons give the key"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - name: a\n",
                        "at line 4, field signatures[0].keys[0]: give the key as publicKey (PEM) or as file, one of the two"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - name: a\n        file: nope.pub\n",
                        "at line 5, field signatures[0].keys[0].file: cannot read " + KEYS.resolve("nope.pub") + ": NoSuchFileException"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - name: a\n        publicKey: not a key\n",
                        "at line 5, field signatures[0].keys[0].publicKey: not a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - name: a\n        publicKey: |\n          -----BEGIN PUBLIC KEY-----\n          AAAA\n          -----END PUBLIC KEY-----\n",
                        "at line 5, field signatures[0].keys[0].publicKey: not an EC, RSA or Ed25519 public key"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys:\n      - {name: a, file: release.pub}\n      - {name: a, file: ci.pub}\n",
                        "at line 5, field signatures[0].keys[1].name: \"a\" names two keys of this rule"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys: [{name: a, file: release.pub}]\n    transparencyLog: maybe\n",
                        "at line 4, column 22, field signatures[0].transparencyLog: \"maybe\" is not a valid value (one of required, ignore)"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys: [{name: a, file: release.pub}]\n    action: allow\n",
                        "at line 4, column 13, field signatures[0].action: \"allow\" is not a valid value (one of deny, audit)"),
                arguments("signatures:\n  - images: [\"x/*\"]\n    keys: [{name: a, file: release.pub, url: x}]\n",
                        "at line 3, field signatures[0].keys[0].url: unknown field \"url\""));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void badRulesSayWhere(String yaml, String error) {
        assertThatThrownBy(() -> read(yaml)).isInstanceOf(InvalidPolicyException.class).hasMessage(error);
    }

    static Verdict scanVerdict(String reason) {
        boolean allowed = reason.startsWith("allowed");
        return Verdict.of(IMAGE, allowed ? Verdict.Status.PASSED : Verdict.Status.VULNERABLE, allowed, reason);
    }

    static Policy read(String yaml) {
        return PolicyReader.read(yaml.getBytes(StandardCharsets.UTF_8), KEYS, Action.DENY, PolicyTest.TODAY);
    }

    static String pem(String file) {
        try {
            return Files.readString(KEYS.resolve(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
