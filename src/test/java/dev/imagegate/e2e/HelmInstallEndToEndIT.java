package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagegate.support.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm install --dry-run=server} of deploy/helm/imagegate against a real kube-apiserver v1.37.2 (the
 * control plane of ControlPlaneEndToEndIT), into a namespace labelled
 * {@code pod-security.kubernetes.io/enforce=restricted}: the API server accepts every object of the chart with
 * its defaults and with the examples that need no extra CRDs, and a pod made from each of the chart's pod
 * templates is admitted by the PodSecurity admission there, where a pod without the restricted settings is not.
 * The API server's ImagePolicyWebhook points nowhere with defaultAllow, so only PodSecurity decides.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmInstallEndToEndIT {

    static final String NAMESPACE = "imagegate-restricted";
    static final String PODS_NAMESPACE = "imagegate-restricted-pods";
    static final Path CHART = Path.of("deploy/helm/imagegate");
    static final ObjectMapper JSON = new ObjectMapper();
    static final YAMLMapper YAML = new YAMLMapper();

    Path work;
    Path helm;
    ControlPlane controlPlane;
    Kubectl kubectl;

    @BeforeAll
    void start() throws Exception {
        EndToEnd.Tools tools = EndToEnd.tools();
        helm = EndToEnd.onPath("helm", Path.of(System.getProperty("user.home"), "go/bin")).orElse(null);
        if (helm == null) {
            String message = "HELM INSTALL TEST SKIPPED: helm is not installed. .ci/run installs it (tools/install.sh helm).";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        ControlPlane.Binaries kubernetes = ControlPlane.binaries(tools);
        work = EndToEnd.workDir("helm-install");
        controlPlane = ControlPlane.start(kubernetes, work, admissionConfigPointingNowhere(),
                EndToEnd.PROJECT.resolve("deploy/apiserver/audit-policy.yaml"));
        kubectl = controlPlane.kubectl();
        for (String namespace : List.of(NAMESPACE, PODS_NAMESPACE)) {
            controlPlane.createNamespace(namespace);
            kubectl.ok("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted",
                    "pod-security.kubernetes.io/enforce-version=latest");
        }
        // the chart's ServiceAccount, which the pods made from its templates name (a namespace of their own, so
        // that helm install finds no object of the release already there)
        kubectl.ok("create", "serviceaccount", "imagegate", "--namespace", PODS_NAMESPACE);
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(controlPlane);
    }

    /** cert-manager-monitoring.yaml is left out: its Certificate, ServiceMonitor and PrometheusRule need CRDs this cluster lacks. */
    @ParameterizedTest
    @ValueSource(strings = {"", "examples/client-server.yaml", "examples/client-server-redis.yaml", "examples/policy-and-alerts.yaml"})
    void theApiServerAcceptsTheChartInARestrictedNamespace(String valuesFile) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("install", "imagegate", CHART.toString(), "--namespace", NAMESPACE,
                "--dry-run=server", "--kubeconfig", controlPlane.adminKubeconfig().toString()));
        if (!valuesFile.isEmpty()) {
            command.addAll(List.of("--values", CHART.resolve(valuesFile).toString()));
        }
        Process install = new ProcessBuilder(helmCommand(command)).redirectErrorStream(true).start();
        String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        // PodSecurity only warns about a Deployment (helm does not show it); the pods' own test below is where it enforces
        assertThat(install.waitFor()).as(output).isZero();
        assertThat(output).contains("STATUS: pending-install", "kind: Deployment", "NOTES:");
    }

    @Test
    void podsOfEveryTemplateAreAdmittedUnderRestrictedAndAnUnhardenedPodIsNot() throws IOException {
        List<String> command = new ArrayList<>(List.of("template", "imagegate", CHART.toString(), "--namespace", NAMESPACE,
                "--values", CHART.resolve("examples/client-server-redis.yaml").toString()));
        List<JsonNode> deployments;
        try (var parser = new YAMLFactory().createParser(EndToEnd.run(EndToEnd.PROJECT, helmCommand(command)))) {
            deployments = YAML.readValues(parser, JsonNode.class).readAll().stream()
                    .filter(o -> o.path("kind").asText().equals("Deployment")).toList();
        }

        assertThat(deployments).extracting(d -> d.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("imagegate", "imagegate-trivy-server", "imagegate-redis");
        for (JsonNode deployment : deployments) {
            Kubectl.Result created = kubectl.run("create", "--dry-run=server", "--namespace", PODS_NAMESPACE, "-f",
                    podFile(deployment.at("/metadata/name").asText(), deployment.at("/spec/template/spec")).toString());
            assertThat(created.exit()).as(created.transcript()).isZero();
            assertThat(created.err()).as(created.transcript()).doesNotContain("PodSecurity");
        }
        ObjectNode unhardened = (ObjectNode) deployments.get(0).at("/spec/template/spec").deepCopy();
        unhardened.remove("securityContext");
        Kubectl.Result refused = kubectl.run("create", "--dry-run=server", "--namespace", PODS_NAMESPACE, "-f",
                podFile("unhardened", unhardened).toString());
        assertThat(refused.exit()).as(refused.transcript()).isNotZero();
        assertThat(refused.err()).contains("violates PodSecurity \"restricted:latest\"");
    }

    private Path podFile(String name, JsonNode podSpec) throws IOException {
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        pod.putObject("metadata").put("name", name);
        pod.set("spec", podSpec);
        Path file = work.resolve("pod-" + name + ".json");
        Files.writeString(file, JSON.writeValueAsString(pod));
        return file;
    }

    private List<String> helmCommand(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(helm.toString()));
        command.addAll(arguments);
        return command;
    }

    /** ImagePolicyWebhook must be configured for the control plane to start; here it calls a closed port and allows. */
    private Path admissionConfigPointingNowhere() throws IOException {
        Path kubeconfig = work.resolve("nowhere.kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: nowhere
                    cluster:
                      server: https://127.0.0.1:%d/scan
                      insecure-skip-tls-verify: true
                users:
                  - name: kube-apiserver
                    user: {}
                contexts:
                  - name: nowhere
                    context: {cluster: nowhere, user: kube-apiserver}
                current-context: nowhere
                """.formatted(Ports.free()));
        Path config = work.resolve("admission-config.yaml");
        Files.writeString(config, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                  - name: ImagePolicyWebhook
                    configuration:
                      imagePolicy:
                        kubeConfigFile: %s
                        allowTTL: 1
                        denyTTL: 1
                        retryBackoff: 100
                        defaultAllow: true
                """.formatted(kubeconfig));
        return config;
    }
}
