package dev.imagegate.signature;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.support.CosignDouble;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Signature rules behind the HTTP API, with the test-double cosign: both doors' answer, the cache, the failures. */
@ImageGateHttpTest
class SignatureHttpTest {

    static final Path KEYS = Path.of("src/test/resources/signature");
    static final String RELEASE = pem("release.pub");
    static final String CI = pem("ci.pub");
    static final String OTHER = pem("other.pub");

    static final String POLICY = """
            images:
              allow: ["registry.test/sig-allowed/*"]
            signatures:
              - images: ["registry.test/sig-*"]
                keys:
                  - name: release
                    publicKey: |
            %s
                  - name: ci
                    publicKey: |
            %s
                transparencyLog: ignore
              - images: ["registry.test/sigaudit-*"]
                keys:
                  - name: release
                    publicKey: |
            %s
                transparencyLog: ignore
                action: audit
            """.formatted(indent(RELEASE), indent(CI), indent(RELEASE));

    static final CosignDouble cosign = TestEnvironment.cosign();
    static final TrivyDouble trivy = TestEnvironment.trivy();
    static final Path policyFile = TestEnvironment.policyFile();

    @Autowired
    PolicyStore policies;

    @Autowired
    ReviewClient client;

    @BeforeEach
    void writePolicy() throws IOException {
        Files.writeString(policyFile, POLICY);
        policies.reloadIfChanged();
        assertThat(policies.lastError()).isNull();
    }

    /** The application is shared with other tests: they get the shipped policy back. */
    @AfterEach
    void restorePolicy() throws IOException {
        Files.copy(TestEnvironment.SHIPPED_POLICY, policyFile, StandardCopyOption.REPLACE_EXISTING);
        policies.reloadIfChanged();
    }

    @Test
    void anImageSignedByOneOfTheKeysIsAdmitted() {
        String image = "registry.test/sig-verified/clean:1";
        cosign.sign(image, CI);

        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isTrue();
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by ci");
        assertThat(status.at("/images/0/reason").asText()).isEqualTo("allowed: no vulnerabilities at or above HIGH");
    }

    @Test
    void cosignVerifiesTheDigestTheTagWasPinnedToWithoutTheNetworkForATrustRoot() {
        String image = "registry.test/sig-pinned/clean:1";
        cosign.sign(image, RELEASE);

        client.review(image);

        List<List<String>> runs = cosign.runsFor(image);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0)).startsWith("verify", "--key").contains("--insecure-ignore-tlog=true", "--trusted-root")
                .endsWith(CraneDouble.pinned(image));
    }

    @Test
    void anUnsignedImageIsDeniedNamingTheKeys() {
        JsonNode status = client.review("registry.test/sig-unsigned/clean:1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).isEqualTo(
                "registry.test/sig-unsigned/clean:1: denied: not signed by any of release, ci (no signature found)");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("missing");
        assertThat(status.at("/images/0/verdict").asText()).isEqualTo("UNSIGNED");
    }

    @Test
    void anImageSignedByAnotherKeyIsDeniedAfterEveryKeyWasTried() {
        String image = "registry.test/sig-other/clean:1";
        cosign.sign(image, OTHER);

        JsonNode status = client.review(image);

        assertThat(status.get("reason").asText()).isEqualTo(image + ": denied: signature does not match release, ci");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("mismatch");
        assertThat(cosign.runsFor(image)).as("one run per key").hasSize(2);
    }

    @Test
    void scanAndSignatureAreBothRequired() {
        String image = "registry.test/sig-both/vulnerable:1";
        cosign.sign(image, RELEASE);

        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).startsWith(image + ": denied: 2 CRITICAL, 3 HIGH");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by release");
    }

    @Test
    void aRegistryThatRefusesTheLookupFailsTheCheckClosed() {
        String image = "registry.test/sig-refused/clean:1";
        cosign.failChecks(image, "GET http://registry.test/v2/sig-refused/clean/manifests/sha256-x.sig: "
                + "DENIED: access to the requested resource is not authorized");

        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).isEqualTo(
                image + ": denied: signature check failed: registry denied the scanner access (DENIED)");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("check failed");
        assertThat(status.at("/images/0/verdict").asText()).isEqualTo("SIGNATURE_CHECK_FAILED");
    }

    @Test
    void aVerificationIsCachedPerDigestSoACachedReviewRunsNothing() {
        String image = "registry.test/sig-cached/clean:1";
        cosign.sign(image, RELEASE);
        Metrics metrics = new Metrics(client);
        double verified = metrics.value("imagegate_signature_checks_total{result=\"verified\"}");

        client.review(image);
        client.review(image);
        client.review("registry.test/sig-cached/clean@" + CraneDouble.digestOf(image));

        assertThat(cosign.runsFor(image)).hasSize(1);
        assertThat(metrics.value("imagegate_signature_checks_total{result=\"verified\"}")).isEqualTo(verified + 1);
    }

    @Test
    void aNewKeySetInThePolicyVerifiesAgainWithoutARestart() throws IOException {
        String image = "registry.test/sig-rekeyed/clean:1";
        cosign.sign(image, OTHER);
        assertThat(client.review(image).get("allowed").asBoolean()).isFalse();

        Files.writeString(policyFile, POLICY.replace("name: ci", "name: other").replace(indent(CI), indent(OTHER)));
        policies.reloadIfChanged();
        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isTrue();
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by other");
    }

    @Test
    void imagesNoRuleMatchesAreNotChecked() {
        JsonNode status = client.review("registry.test/unsigned-elsewhere/clean:1");

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.at("/auditAnnotations/signature").isMissingNode()).isTrue();
        assertThat(cosign.runsFor("registry.test/unsigned-elsewhere/clean:1")).isEmpty();
    }

    @Test
    void anImageAnAllowRuleAdmitsWithoutAScanMustStillBeSigned() {
        String image = "registry.test/sig-allowed/clean:1";

        JsonNode status = client.review(image);

        assertThat(status.get("reason").asText()).isEqualTo(image + ": denied: not signed by any of release, ci (no signature found)");
        assertThat(trivy.runsOf(image)).isEmpty();
        assertThat(status.at("/images/0/digest").asText()).isEqualTo(CraneDouble.digestOf(image));
    }

    @Test
    void anAuditRuleAdmitsAndRecordsWhatWouldHaveDenied() {
        String image = "registry.test/sigaudit-x/clean:1";

        JsonNode status = client.review(image);

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.at("/images/0/reason").asText())
                .isEqualTo("allowed: no vulnerabilities at or above HIGH; audit: would deny: not signed by any of release (no signature found)");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("missing (audit)");
    }

    @Test
    void concurrentReviewsOfANewImageShareOneCheck() {
        String image = "registry.test/sig-shared/clean:1";
        cosign.sign(image, RELEASE);
        cosign.delayChecks(image, 1.0);

        List<JsonNode> answers = IntStream.range(0, 4).parallel().mapToObj(i -> client.review(image)).toList();

        assertThat(answers).allSatisfy(status -> assertThat(status.get("allowed").asBoolean()).isTrue());
        assertThat(cosign.runsFor(image)).hasSize(1);
    }

    private static String indent(String pem) {
        return pem.strip().indent(10).stripTrailing();
    }

    private static String pem(String file) {
        try {
            return Files.readString(KEYS.resolve(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
