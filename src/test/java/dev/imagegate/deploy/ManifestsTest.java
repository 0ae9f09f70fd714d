package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static dev.imagegate.deploy.Kustomize.find;
import static dev.imagegate.deploy.Kustomize.render;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code kubectl apply -k} installs, rendered by kustomize for each variant, carries what the API server
 * and a careful operator need; the API server's own configuration names the webhook.
 */
class ManifestsTest {

    private static final Path STANDALONE = Path.of("deploy/kubernetes");
    private static final Path CLIENT_SERVER = Path.of("deploy/kubernetes/client-server");
    private static final Path CLIENT_SERVER_REDIS = Path.of("deploy/kubernetes/client-server-redis");
    private static final ObjectMapper YAML = new YAMLMapper();
    /** The manifests run the tls profile. */
    private static final ApplicationProperties TLS = ApplicationProperties.of("tls");

    /** The Secrets every variant expects to exist before it is applied; README says how to create each. */
    private static final Set<String> INPUT_SECRETS = Set.of("imagegate-tls", "trivy-server-token");

    /** Each variant installs exactly these objects (kind/name), all in namespace imagegate but the Namespace itself. */
    private static final Map<Path, List<String>> OBJECTS = Map.of(
            STANDALONE, List.of("Namespace/imagegate", "ServiceAccount/imagegate", "ConfigMap/imagegate-routes",
                    "ConfigMap/imagegate-policy", "Deployment/imagegate", "Service/imagegate", "PodDisruptionBudget/imagegate"),
            CLIENT_SERVER, List.of("Namespace/imagegate", "ServiceAccount/imagegate", "ConfigMap/imagegate-routes",
                    "ConfigMap/imagegate-policy", "Deployment/imagegate", "Service/imagegate", "PodDisruptionBudget/imagegate",
                    "Deployment/trivy-server", "Service/trivy-server"),
            CLIENT_SERVER_REDIS, List.of("Namespace/imagegate", "ServiceAccount/imagegate", "ConfigMap/imagegate-routes",
                    "ConfigMap/imagegate-policy", "Deployment/imagegate", "Service/imagegate", "PodDisruptionBudget/imagegate",
                    "Deployment/trivy-server", "Service/trivy-server", "Deployment/redis", "Service/redis"));

    @ParameterizedTest
    @ValueSource(strings = {"deploy/kubernetes", "deploy/kubernetes/client-server", "deploy/kubernetes/client-server-redis"})
    void eachVariantInstallsItsObjectsInNamespaceImagegate(Path variant) throws Exception {
        List<JsonNode> objects = render(variant);

        assertThat(objects).extracting(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText())
                .containsExactlyInAnyOrderElementsOf(OBJECTS.get(variant));
        for (JsonNode object : objects) {
            assertThat(object.path("apiVersion").asText()).as("apiVersion of %s", object).isNotEmpty();
            assertThat(object.at("/metadata/labels/app.kubernetes.io~1part-of").asText()).isEqualTo("imagegate");
            if (!object.path("kind").asText().equals("Namespace")) {
                assertThat(object.at("/metadata/namespace").asText()).as("namespace of %s", object.at("/metadata/name")).isEqualTo("imagegate");
            }
        }
    }

    @Test
    void imageGateRunsTwoHardenedReplicasWithProbesOnTheActuatorPort() throws Exception {
        JsonNode deployment = find(render(STANDALONE), "Deployment", "imagegate");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");

        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/affinity/podAntiAffinity").isMissingNode()).isFalse();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/readiness");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(containerPort(container, container.at("/" + probe + "/httpGet/port").asText())).as(probe).isEqualTo(TLS.actuatorPort());
        }
        assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1port").asInt()).isEqualTo(TLS.actuatorPort());
        assertThat(container.at("/volumeMounts").findValuesAsText("mountPath"))
                .containsExactlyInAnyOrder("/tls", "/app/routes", "/app/config", "/tmp", "/home/imagegate");
        assertThat(find(render(STANDALONE), "PodDisruptionBudget", "imagegate").at("/spec/minAvailable").asInt()).isEqualTo(1);
    }

    /** The kubelet sends SIGTERM after the preStop pause; ImageGate then exits within its shutdown limit, inside the grace period. */
    @Test
    void theGracePeriodCoversThePreStopPauseAndTheShutdownLimit() throws Exception {
        JsonNode pod = find(render(STANDALONE), "Deployment", "imagegate").at("/spec/template/spec");
        Duration limit = Duration.parse("PT" + TLS.get("imagegate.shutdown.limit").toUpperCase());
        int pause = pod.at("/containers/0/lifecycle/preStop/sleep/seconds").asInt();

        assertThat(pause).isPositive();
        assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isGreaterThanOrEqualTo(pause + limit.toSeconds());
    }

    /** The priority-class component, added to any variant, gives ImageGate and the Trivy servers a class above ordinary pods. */
    @Test
    void thePriorityClassComponentRaisesImageGateAndTheTrivyServers() throws Exception {
        Path overlay = Files.createDirectories(Path.of("target/kustomize/priority-class"));
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [../../../deploy/kubernetes/client-server]
                components: [../../../deploy/kubernetes/components/priority-class]
                """);
        List<JsonNode> objects = render(overlay);
        JsonNode priorityClass = find(objects, "PriorityClass", "imagegate");

        assertThat(priorityClass.path("value").asInt()).isPositive().isLessThan(1_000_000_000);
        assertThat(priorityClass.path("globalDefault").asBoolean()).isFalse();
        for (String deployment : List.of("imagegate", "trivy-server")) {
            assertThat(find(objects, "Deployment", deployment).at("/spec/template/spec/priorityClassName").asText()).isEqualTo("imagegate");
        }
    }

    @Test
    void theContainerOpensThePortsOfTheTlsProfileAndTheServiceTargetsTheReviewPort() throws Exception {
        // The admission port is open too, but only deploy/kubernetes/admission-webhook routes traffic to it.
        List<Integer> declared = TLS.ports().stream().filter(port -> port != TLS.admissionPort()).toList();
        List<JsonNode> objects = render(STANDALONE);
        JsonNode container = find(objects, "Deployment", "imagegate").at("/spec/template/spec/containers/0");
        JsonNode service = find(objects, "Service", "imagegate");

        assertThat(container.at("/args").toString()).contains("--spring.profiles.active=tls");
        assertThat(StreamSupport.stream(container.path("ports").spliterator(), false).map(p -> p.path("containerPort").asInt()))
                .containsExactlyInAnyOrderElementsOf(declared);
        assertThat(service.at("/spec/ports").size()).isEqualTo(1);
        int reviewPort = containerPort(container, service.at("/spec/ports/0/targetPort").asText());
        assertThat(reviewPort).isIn(TLS.ports()).isNotEqualTo(TLS.actuatorPort());
    }

    /** The kubelet updates a mounted ConfigMap in place only under its own name and without subPath: then ImageGate reloads it. */
    @Test
    void routesAndPolicyAreTheShippedFilesMountedWhereImageGateReadsThem() throws Exception {
        List<JsonNode> objects = render(STANDALONE);
        JsonNode pod = find(objects, "Deployment", "imagegate").at("/spec/template/spec");

        Map<String, String> routes = data(find(objects, "ConfigMap", "imagegate-routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            Map<String, String> shipped = new TreeMap<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                shipped.put(file.getFileName().toString(), Files.readString(file));
            }
            assertThat(routes).isEqualTo(shipped);
        }
        assertThat(data(find(objects, "ConfigMap", "imagegate-policy"))).isEqualTo(Map.of("policy.yaml", Files.readString(Path.of("config/policy.yaml"))));
        assertThat(mountOf(pod, "imagegate-routes").path("mountPath").asText()).isEqualTo("/app/routes");
        assertThat(mountOf(pod, "imagegate-policy").path("mountPath").asText()).isEqualTo("/app/config");
        assertThat(mountOf(pod, "imagegate-routes").has("subPath")).isFalse();
        assertThat(mountOf(pod, "imagegate-policy").has("subPath")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"deploy/kubernetes", "deploy/kubernetes/client-server", "deploy/kubernetes/client-server-redis"})
    void everyConfigMapAPodUsesIsInstalledAndEverySecretIsADocumentedInput(Path variant) throws Exception {
        List<JsonNode> objects = render(variant);
        Set<String> configMaps = objects.stream().filter(o -> o.path("kind").asText().equals("ConfigMap"))
                .map(o -> o.at("/metadata/name").asText()).collect(Collectors.toSet());
        String readme = Files.readString(Path.of("README.md"));

        for (JsonNode deployment : objects.stream().filter(o -> o.path("kind").asText().equals("Deployment")).toList()) {
            JsonNode pod = deployment.at("/spec/template/spec");
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.has("configMap")) {
                    assertThat(configMaps).as("ConfigMap of volume %s", volume.path("name")).contains(volume.at("/configMap/name").asText());
                }
            }
            Set<String> secrets = Stream.concat(pod.path("volumes").findValues("secret").stream().map(s -> s.path("secretName").asText()),
                    pod.findValues("secretKeyRef").stream().map(s -> s.path("name").asText())).collect(Collectors.toSet());
            for (String secret : secrets) {
                assertThat(INPUT_SECRETS).as("Secret %s of %s", secret, deployment.at("/metadata/name")).contains(secret);
                assertThat(readme).as("README creates Secret %s", secret).contains("create secret generic " + secret);
            }
        }
    }

    @Test
    void standaloneImageGateRunsTrivyItself() throws Exception {
        JsonNode container = find(render(STANDALONE), "Deployment", "imagegate").at("/spec/template/spec/containers/0");

        assertThat(container.toString()).doesNotContain("IMAGEGATE_TRIVY_SERVER", "imagegate.trivy.server");
    }

    @ParameterizedTest
    @ValueSource(strings = {"deploy/kubernetes/client-server", "deploy/kubernetes/client-server-redis"})
    void clientServerImageGateScansThroughTheTrivyServerWithItsToken(Path variant) throws Exception {
        List<JsonNode> objects = render(variant);
        JsonNode imagegate = find(objects, "Deployment", "imagegate").at("/spec/template/spec/containers/0");
        JsonNode trivy = find(objects, "Deployment", "trivy-server").at("/spec/template/spec/containers/0");
        JsonNode service = find(objects, "Service", "trivy-server");

        assertThat(env(imagegate, "IMAGEGATE_TRIVY_SERVER").path("value").asText())
                .isEqualTo("http://trivy-server:" + service.at("/spec/ports/0/port").asInt());
        assertThat(containerPort(trivy, service.at("/spec/ports/0/targetPort").asText())).isEqualTo(listenPort(trivy));
        assertThat(env(imagegate, "IMAGEGATE_TRIVY_TOKEN").at("/valueFrom/secretKeyRef"))
                .isEqualTo(env(trivy, "TRIVY_TOKEN").at("/valueFrom/secretKeyRef"));
        assertThat(trivy.path("image").asText()).isEqualTo("aquasec/trivy:" + DockerfileTest.trivyVersion());
    }

    @Test
    void twoTrivyServersShareTheRedisCache() throws Exception {
        List<JsonNode> objects = render(CLIENT_SERVER_REDIS);
        JsonNode trivy = find(objects, "Deployment", "trivy-server");
        JsonNode redis = find(objects, "Service", "redis");

        assertThat(trivy.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(args(trivy)).contains("--cache-backend=redis://redis:" + redis.at("/spec/ports/0/port").asInt());
        assertThat(args(find(render(CLIENT_SERVER), "Deployment", "trivy-server"))).noneMatch(arg -> arg.startsWith("--cache-backend"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deploy/kubernetes", "deploy/kubernetes/client-server", "deploy/kubernetes/client-server-redis"})
    void theServicesSelectThePodsTheyServe(Path variant) throws Exception {
        List<JsonNode> objects = render(variant);
        for (JsonNode service : objects.stream().filter(o -> o.path("kind").asText().equals("Service")).toList()) {
            JsonNode selector = service.at("/spec/selector");
            JsonNode labels = find(objects, "Deployment", service.at("/metadata/name").asText()).at("/spec/template/metadata/labels");
            assertThat(selector.size()).isPositive();
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

    @ParameterizedTest
    @ValueSource(strings = {"deploy/kubernetes", "deploy/kubernetes/client-server", "deploy/kubernetes/client-server-redis"})
    void kubectlAcceptsEachVariant(String variant) throws Exception {
        Assumptions.assumeTrue(Executables.find("kubectl").isPresent(), "kubectl is not installed: client-side dry run skipped");
        Process kubectl = new ProcessBuilder("kubectl", "apply", "--dry-run=client", "--validate=false", "-k", variant)
                .redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes());
        int exit = kubectl.waitFor();

        // A client-side dry run still asks a cluster which kinds exist.
        Assumptions.assumeFalse(output.contains("couldn't get current server API group list"),
                "kubectl found no cluster to ask: client-side dry run skipped");
        assertThat(exit).as(output).isZero();
    }

    private static int containerPort(JsonNode container, String nameOrNumber) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asText().equals(nameOrNumber) || port.path("containerPort").asText().equals(nameOrNumber)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("container " + container.path("name") + " has no port " + nameOrNumber);
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable;
            }
        }
        throw new AssertionError("container " + container.path("name") + " has no environment variable " + name);
    }

    private static JsonNode mountOf(JsonNode pod, String configMap) {
        String volume = StreamSupport.stream(pod.path("volumes").spliterator(), false)
                .filter(v -> v.at("/configMap/name").asText().equals(configMap)).map(v -> v.path("name").asText()).findFirst()
                .orElseThrow(() -> new AssertionError("no volume of ConfigMap " + configMap));
        return StreamSupport.stream(pod.at("/containers/0/volumeMounts").spliterator(), false)
                .filter(m -> m.path("name").asText().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("volume " + volume + " is not mounted"));
    }

    private static Map<String, String> data(JsonNode configMap) {
        Map<String, String> data = new TreeMap<>();
        configMap.path("data").fields().forEachRemaining(entry -> data.put(entry.getKey(), entry.getValue().asText()));
        return data;
    }

    private static List<String> args(JsonNode deployment) {
        return StreamSupport.stream(deployment.at("/spec/template/spec/containers/0/args").spliterator(), false).map(JsonNode::asText).toList();
    }

    private static int listenPort(JsonNode trivy) {
        return StreamSupport.stream(trivy.path("args").spliterator(), false).map(JsonNode::asText)
                .filter(arg -> arg.startsWith("--listen=")).map(arg -> Integer.parseInt(arg.substring(arg.lastIndexOf(':') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("trivy server has no --listen"));
    }
}
