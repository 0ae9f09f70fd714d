package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.support.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pod admissions through Kubernetes' own ImagePolicyWebhook plugin ({@code e2e/cmd/imagepolicy-admit}),
 * configured as kube-apiserver is configured from {@code deploy/apiserver}, calling the packaged ImageGate
 * over mutual TLS with certificates from {@code deploy/gen-certs.sh}; real trivy and registry behind it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesClientEndToEndIT {

    static final String PREFIX = "imagepolicywebhook.image-policy.k8s.io/";
    static final ObjectMapper JSON = new ObjectMapper();

    EndToEnd.Tools tools;
    Path work;
    Path admissionConfig;
    LocalRegistry registry;
    ImageGateProcess imageGate;
    String clean;
    String vulnerable;

    @BeforeAll
    void start() throws Exception {
        tools = EndToEnd.tools();
        work = EndToEnd.workDir("kubernetes-client");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        registry.push(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        registry.push(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        clean = registry.reference(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        vulnerable = registry.reference(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");

        int port = Ports.free();
        Path certs = work.resolve("certs");
        EndToEnd.run(EndToEnd.PROJECT, List.of("deploy/gen-certs.sh", certs.toString(), "https://127.0.0.1:" + port + "/scan"));
        Path tls = Files.createDirectories(work.resolve("tls"));
        Files.copy(certs.resolve("server.crt"), tls.resolve("tls.crt"));
        Files.copy(certs.resolve("server.key"), tls.resolve("tls.key"));
        Files.copy(certs.resolve("ca.crt"), tls.resolve("ca.crt"));
        admissionConfig = work.resolve("admission-config.yaml");
        Files.writeString(admissionConfig, """
                imagePolicy:
                  kubeConfigFile: %s
                  allowTTL: 50
                  denyTTL: 50
                  retryBackoff: 500
                  defaultAllow: false
                """.formatted(certs.resolve("webhook.kubeconfig")));

        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.put("spring.profiles.active", "tls");
        properties.put(ImageGateProcess.REVIEW_PORT, String.valueOf(port));
        properties.put("imagegate.tls.dir", tls.toString());
        imageGate = ImageGateProcess.start("imagegate-tls", properties, work);
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(imageGate, registry);
    }

    /** One admission for the harness: what kube-apiserver hands the plugin for a pod. */
    static Map<String, Object> pod(String name, String namespace, String operation, String subresource,
                                   Map<String, String> annotations, List<String> containers, List<String> initContainers,
                                   List<String> ephemeralContainers) {
        Map<String, Object> admission = new LinkedHashMap<>();
        admission.put("name", name);
        admission.put("namespace", namespace);
        admission.put("operation", operation);
        admission.put("subresource", subresource);
        admission.put("annotations", annotations);
        admission.put("containers", containers);
        admission.put("initContainers", initContainers);
        admission.put("ephemeralContainers", ephemeralContainers);
        return admission;
    }

    /** Runs the admissions through the plugin in one process (so its decision cache is in play, as in the API server). */
    Map<String, JsonNode> admit(List<Map<String, Object>> admissions) throws Exception {
        Path harness = EndToEnd.goCommand(tools, "imagepolicy-admit");
        String output = EndToEnd.run(EndToEnd.PROJECT, List.of(harness.toString(), "-config", admissionConfig.toString()),
                JSON.writeValueAsString(admissions));
        Map<String, JsonNode> outcomes = new LinkedHashMap<>();
        for (String line : output.strip().split("\n")) {
            JsonNode outcome = JSON.readTree(line);
            outcomes.put(outcome.get("name").asText(), outcome);
        }
        assertThat(outcomes).as("one outcome per admission").hasSize(admissions.size());
        return outcomes;
    }

    @Test
    void podsAreAdmittedAndDeniedAsKubeApiserverWouldDoIt() throws Exception {
        List<Map<String, Object>> admissions = new ArrayList<>();
        admissions.add(pod("clean", "default", "CREATE", "", Map.of(), List.of(clean), List.of(), List.of()));
        admissions.add(pod("vulnerable", "default", "CREATE", "", Map.of(), List.of(vulnerable), List.of(), List.of()));
        admissions.add(pod("vulnerable-init", "default", "CREATE", "", Map.of(), List.of(clean), List.of(vulnerable), List.of()));
        admissions.add(pod("vulnerable-debug", "default", "UPDATE", "ephemeralcontainers", Map.of(),
                List.of(clean), List.of(), List.of(vulnerable)));
        admissions.add(pod("clean-update", "default", "UPDATE", "", Map.of(), List.of(clean), List.of(), List.of()));
        admissions.add(pod("break-glass", "staging", "CREATE", "",
                Map.of("imagegate.image-policy.k8s.io/break-glass", "INC-4711 hotfix", "team.example.com/owner", "payments"),
                List.of(vulnerable), List.of(), List.of()));
        admissions.add(pod("break-glass-elsewhere", "default", "CREATE", "",
                Map.of("imagegate.image-policy.k8s.io/break-glass", "INC-4711 hotfix"), List.of(vulnerable), List.of(), List.of()));
        admissions.add(pod("deleted", "default", "DELETE", "", Map.of(), List.of(vulnerable), List.of(), List.of()));

        Map<String, JsonNode> outcome = admit(admissions);

        assertAllowed(outcome.get("clean"));
        assertThat(outcome.get("clean").get("auditAnnotations").get(PREFIX + "decision").asText()).isEqualTo("allowed");

        assertDenied(outcome.get("vulnerable"), "vulnerable");
        assertThat(outcome.get("vulnerable").get("auditAnnotations").get(PREFIX + "denied-images").asText()).isEqualTo(vulnerable);

        // init containers are reviewed with the app containers; ephemeral ones on their own subresource
        assertDenied(outcome.get("vulnerable-init"), "vulnerable-init");
        assertDenied(outcome.get("vulnerable-debug"), "vulnerable-debug");
        assertAllowed(outcome.get("clean-update"));

        assertAllowed(outcome.get("break-glass"));
        assertThat(outcome.get("break-glass").get("auditAnnotations").get(PREFIX + "break-glass").asText())
                .isEqualTo("INC-4711 hotfix");
        assertDenied(outcome.get("break-glass-elsewhere"), "break-glass-elsewhere");

        // the plugin only handles CREATE and UPDATE: ImageGate is never asked about a delete
        assertAllowed(outcome.get("deleted"));
        assertThat(outcome.get("deleted").get("auditAnnotations")).isEmpty();

        outcome.values().forEach(o -> assertThat(o.get("rejectedAnnotations")).as("audit annotations the API server refused: " + o)
                .isEmpty());
    }

    private static void assertAllowed(JsonNode outcome) {
        assertThat(outcome.get("allowed").asBoolean()).as(outcome.toString()).isTrue();
        assertThat(outcome.get("podAnnotationsAfter").toString()).as("not failed open").doesNotContain("failed-open");
    }

    /** The message {@code kubectl apply} would print for the denied pod. */
    private void assertDenied(JsonNode outcome, String podName) {
        assertThat(outcome.get("allowed").asBoolean()).as(outcome.toString()).isFalse();
        assertThat(outcome.get("forbidden").asBoolean()).isTrue();
        assertThat(outcome.get("error").asText())
                .startsWith("pods \"" + podName + "\" is forbidden: image policy webhook backend denied one or more images: ")
                .contains(vulnerable, "CVE-2024-6119")
                .doesNotContain(clean);
        assertThat(outcome.get("auditAnnotations").get(PREFIX + "decision").asText()).isEqualTo("denied");
    }
}
