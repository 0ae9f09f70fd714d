package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The manifests in deploy/ parse and carry what the API server and a careful operator need. */
class ManifestsTest {

    private static final Path KUBERNETES = Path.of("deploy/kubernetes");
    private static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void everyKubernetesObjectIsComplete() throws IOException {
        List<JsonNode> objects = objects();

        assertThat(objects).extracting(o -> o.path("kind").asText())
                .contains("Namespace", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget");
        for (JsonNode object : objects) {
            assertThat(object.path("apiVersion").asText()).as("apiVersion of %s", object).isNotEmpty();
            assertThat(object.path("metadata").path("name").asText()).as("name of %s", object.path("kind")).isNotEmpty();
            if (!object.path("kind").asText().equals("Namespace")) {
                assertThat(object.path("metadata").path("namespace").asText()).isEqualTo("imagegate");
            }
        }
    }

    @Test
    void imageGateRunsTwoHardenedReplicasWithProbesOnThePlainManagementPort() throws IOException {
        JsonNode deployment = find("Deployment", "imagegate");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");

        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/affinity/podAntiAffinity").isMissingNode()).isFalse();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("management");
        assertThat(container.at("/volumeMounts").findValuesAsText("mountPath")).contains("/tls", "/app/routes", "/app/config", "/tmp");
        assertThat(find("PodDisruptionBudget", "imagegate").at("/spec/minAvailable").asInt()).isEqualTo(1);
    }

    @Test
    void theServicesSelectThePodsTheyServe() throws IOException {
        for (String name : List.of("imagegate", "trivy-server", "redis")) {
            JsonNode selector = find("Service", name).at("/spec/selector");
            JsonNode labels = find("Deployment", name).at("/spec/template/metadata/labels");
            selector.fields().forEachRemaining(entry -> assertThat(labels.path(entry.getKey()).asText()).isEqualTo(entry.getValue().asText()));
        }
    }

    @Test
    void theApiServerConfigurationNamesTheWebhookAndItsKubeconfig() throws IOException {
        JsonNode config = YAML.readTree(Path.of("deploy/apiserver/admission-config.yaml").toFile());
        JsonNode imagePolicy = config.at("/plugins/0/configuration/imagePolicy");

        assertThat(config.path("kind").asText()).isEqualTo("AdmissionConfiguration");
        assertThat(config.at("/plugins/0/name").asText()).isEqualTo("ImagePolicyWebhook");
        assertThat(imagePolicy.path("kubeConfigFile").asText()).isNotEmpty();
        assertThat(imagePolicy.path("allowTTL").asInt()).isBetween(1, 1800);
        assertThat(imagePolicy.path("denyTTL").asInt()).isBetween(1, 1800);
        assertThat(imagePolicy.path("defaultAllow").isBoolean()).isTrue();
        assertThat(YAML.readTree(Path.of("deploy/apiserver/kube-apiserver-patch.yaml").toFile())
                .at("/spec/containers/0/command").toString()).contains("--admission-control-config-file");
    }

    @Test
    void kubectlAcceptsTheManifests() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed: client-side dry run skipped");
        Process kubectl = new ProcessBuilder("kubectl", "apply", "--dry-run=client", "--validate=false", "-f", KUBERNETES.toString())
                .redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes());
        int exit = kubectl.waitFor();

        // A client-side dry run still asks a cluster which kinds exist.
        Assumptions.assumeFalse(output.contains("couldn't get current server API group list"),
                "kubectl found no cluster to ask: client-side dry run skipped");
        assertThat(exit).as(output).isZero();
    }

    private static JsonNode find(String kind, String name) throws IOException {
        return objects().stream().filter(o -> o.path("kind").asText().equals(kind) && o.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static List<JsonNode> objects() throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (var parser = new YAMLFactory().createParser(file.toFile())) {
                    YAML.readValues(parser, JsonNode.class).readAll().stream().filter(JsonNode::isObject).forEach(objects::add);
                }
            }
        }
        return objects;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
