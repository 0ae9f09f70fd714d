package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Helm chart and the Kustomize variants install the same thing for the same settings: {@code helm template}
 * of release "imagegate" and {@code kubectl kustomize} of the matching variant render the same objects (kind and
 * name) with the same containers, ports, probes, volumes, security settings and data, so the two cannot drift
 * apart. The chart's names carry the release's prefix ({@code imagegate-trivy-server} for {@code trivy-server}).
 */
class ChartMatchesKustomizeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Helm leaves the namespace to {@code --create-namespace}. */
    private static final Set<String> KUSTOMIZE_ONLY = Set.of("Namespace/imagegate");
    /** The ImagePolicyWebhook door: what deploy/apiserver/ holds for Kustomize users, as a ConfigMap. */
    private static final Set<String> CHART_ONLY = Set.of("ConfigMap/imagegate-apiserver");
    /** What a pod's spec and its containers must agree on. */
    private static final List<String> POD_FIELDS = List.of("serviceAccountName", "automountServiceAccountToken",
            "terminationGracePeriodSeconds", "securityContext", "volumes", "priorityClassName", "affinity");
    private static final List<String> CONTAINER_FIELDS = List.of("name", "image", "imagePullPolicy", "args", "env", "ports",
            "startupProbe", "livenessProbe", "readinessProbe", "lifecycle", "resources", "securityContext", "volumeMounts");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "deploy/kubernetes,                     ''",
            "deploy/kubernetes/client-server,       trivy.mode=client-server",
            "deploy/kubernetes/client-server-redis, trivy.mode=client-server-redis"})
    void theChartRendersWhatTheVariantDoes(Path variant, String setting) throws IOException, InterruptedException {
        Map<String, JsonNode> kustomize = byKindAndName(Kustomize.render(variant));
        Map<String, JsonNode> chart = byKindAndName(unprefixed(setting.isEmpty() ? Helm.template() : Helm.template("--set", setting)));

        assertThat(chart.keySet()).as("objects of the chart (%s) and of %s", setting, variant)
                .containsExactlyInAnyOrderElementsOf(kustomize.keySet().stream().filter(k -> !KUSTOMIZE_ONLY.contains(k))
                        .collect(Collectors.toCollection(() -> new TreeSet<>(CHART_ONLY))));
        for (String object : kustomize.keySet()) {
            if (!KUSTOMIZE_ONLY.contains(object)) {
                assertThat(essentials(chart.get(object))).as("%s: chart (%s) against %s", object, setting, variant)
                        .isEqualTo(essentials(kustomize.get(object)));
            }
        }
    }

    /** The parts of an object that make it work, without the labels each tool adds its own way. */
    private static JsonNode essentials(JsonNode object) {
        ObjectNode essentials = JSON.createObjectNode();
        switch (object.path("kind").asText()) {
            case "Deployment" -> {
                JsonNode pod = object.at("/spec/template/spec");
                essentials.set("replicas", object.at("/spec/replicas"));
                essentials.set("annotations", object.at("/spec/template/metadata/annotations"));
                POD_FIELDS.forEach(field -> essentials.set(field, withoutSelectorLabels(pod.path(field))));
                var containers = essentials.putArray("containers");
                for (JsonNode container : pod.path("containers")) {
                    ObjectNode kept = containers.addObject();
                    CONTAINER_FIELDS.forEach(field -> kept.set(field, container.path(field)));
                }
            }
            case "Service" -> {
                essentials.set("ports", object.at("/spec/ports"));
                essentials.set("type", object.at("/spec/type"));
                essentials.set("selects", object.at("/spec/selector/app.kubernetes.io~1name"));
            }
            case "PodDisruptionBudget" -> {
                essentials.set("minAvailable", object.at("/spec/minAvailable"));
                essentials.set("selects", object.at("/spec/selector/matchLabels/app.kubernetes.io~1name"));
            }
            case "ConfigMap" -> essentials.set("data", object.path("data"));
            case "ServiceAccount" -> essentials.set("automountServiceAccountToken", object.path("automountServiceAccountToken"));
            default -> essentials.set("object", object);
        }
        return essentials;
    }

    /** Anti-affinity selects by every label the tool puts on its pods; both select the pods by app.kubernetes.io/name. */
    private static JsonNode withoutSelectorLabels(JsonNode field) {
        if (!field.has("podAntiAffinity")) {
            return field;
        }
        String text = field.toString().replaceAll(",?\"app\\.kubernetes\\.io/instance\":\"imagegate\"", "").replace("{,", "{");
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The chart's objects with the release prefix taken off its Trivy server's and Redis' names. */
    private static List<JsonNode> unprefixed(List<JsonNode> objects) {
        return objects.stream().map(object -> {
            try {
                return JSON.readTree(object.toString().replace("imagegate-trivy-server", "trivy-server").replace("imagegate-redis", "redis"));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    private static Map<String, JsonNode> byKindAndName(List<JsonNode> objects) {
        Map<String, JsonNode> byName = new TreeMap<>();
        objects.forEach(object -> byName.put(object.path("kind").asText() + "/" + object.at("/metadata/name").asText(), object));
        return byName;
    }
}
