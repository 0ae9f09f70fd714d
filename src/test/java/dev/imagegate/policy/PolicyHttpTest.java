package dev.imagegate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The policy file at work behind the HTTP API: namespaces, forwarded annotations, audit mode, live edits. */
@ImageGateHttpTest
class PolicyHttpTest {

    static final String POLICY = """
            defaults:
              severity: HIGH
            registries: [registry.test, docker.io/library]
            namespaces:
              exempt: [kube-system]
              overrides:
                dev: {mode: audit}
            breakGlass:
              namespaces: [prod]
            """;
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
    }

    /** The application is shared with other tests: they get the shipped policy back. */
    @AfterEach
    void restorePolicy() throws IOException {
        Files.copy(TestEnvironment.SHIPPED_POLICY, policyFile, StandardCopyOption.REPLACE_EXISTING);
        policies.reloadIfChanged();
    }

    @Test
    void exemptNamespacesAreAdmittedWithoutAScan() {
        JsonNode status = review("kube-system", "registry.test/exempt/vulnerable:1");

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.at("/images/0/reason").asText()).isEqualTo("allowed: namespace kube-system is exempt");
        assertThat(trivy.runsOf("registry.test/exempt/vulnerable:1")).isEmpty();
    }

    @Test
    void imagesFromOtherRegistriesAreDeniedWithoutAScan() {
        JsonNode status = review("default", "evil.example/x:1");

        assertThat(status.get("reason").asText()).isEqualTo("evil.example/x:1: denied: registry evil.example is not allowed");
        assertThat(trivy.runsOf("evil.example/x:1")).isEmpty();
    }

    @Test
    void auditModeAdmitsAndRecordsTheWouldBeDenial() {
        JsonNode status = review("dev", "registry.test/audit/vulnerable:1");

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.at("/auditAnnotations/mode").asText()).isEqualTo("audit");
        assertThat(status.at("/auditAnnotations/would-deny").asText()).startsWith("registry.test/audit/vulnerable:1: denied: 2 CRITICAL");
    }

    @Test
    void breakGlassAdmitsOnlyWherePermitted() {
        String annotations = "{\"ops.image-policy.k8s.io/break-glass\":\"INC-1234 payment outage\"}";

        JsonNode prod = reviewWithAnnotations("prod", annotations, "registry.test/glass/vulnerable:1");
        JsonNode elsewhere = reviewWithAnnotations("default", annotations, "registry.test/glass/vulnerable:1");

        assertThat(prod.get("allowed").asBoolean()).isTrue();
        assertThat(prod.at("/auditAnnotations/break-glass").asText()).isEqualTo("INC-1234 payment outage");
        assertThat(prod.at("/auditAnnotations/mode").asText()).isEqualTo("break-glass");
        assertThat(elsewhere.get("allowed").asBoolean()).isFalse();
    }

    @Test
    void anEditedPolicyReJudgesCachedScansWithoutScanningAgain() throws IOException {
        String image = "registry.test/rejudge/medium:1";
        assertThat(review("default", image).get("allowed").asBoolean()).isTrue();

        Files.writeString(policyFile, POLICY.replace("severity: HIGH", "severity: MEDIUM"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(review("default", image).get("reason").asText()).isEqualTo(
                        image + ": denied: 1 MEDIUM at or above MEDIUM; upgrade libcurl 8.5.0-r0 -> 8.9.0-r0 (CVE-2026-20001)"));
        assertThat(trivy.runsOf(image)).hasSize(1);
    }

    @Test
    void aBrokenEditKeepsThePolicyInForce() throws IOException {
        Files.writeString(policyFile, POLICY.replace("severity: HIGH", "severity: HIHG"));
        policies.reloadIfChanged();

        assertThat(review("default", "evil.example/y:1").get("allowed").asBoolean()).isFalse();
        assertThat(policies.lastError()).contains("line 2", "\"HIHG\" is not a valid value");
    }

    private JsonNode review(String namespace, String image) {
        return reviewWithAnnotations(namespace, "{}", image);
    }

    private JsonNode reviewWithAnnotations(String namespace, String annotations, String image) {
        HttpResponse<String> response = client.post("{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\","
                + "\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"image\":\"" + image + "\"}],"
                + "\"annotations\":" + annotations + ",\"namespace\":\"" + namespace + "\"},\"status\":{\"allowed\":false}}\n");
        assertThat(response.statusCode()).isEqualTo(200);
        return ReviewClient.json(response.body()).get("status");
    }

}
