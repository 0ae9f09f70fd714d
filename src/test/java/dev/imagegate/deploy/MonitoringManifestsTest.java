package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.imagegate.deploy.Kustomize.find;
import static dev.imagegate.deploy.Kustomize.render;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code kubectl apply -k deploy/kubernetes/monitoring} scrapes ImageGate where it serves metrics and installs the shipped rules and dashboard. */
class MonitoringManifestsTest {

    private static final Path MONITORING = Path.of("deploy/kubernetes/monitoring");
    private static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void itInstallsAPodMonitorTheRulesAndTheDashboardInNamespaceImagegate() throws Exception {
        assertThat(render(MONITORING)).extracting(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText()
                        + " in " + o.at("/metadata/namespace").asText())
                .containsExactlyInAnyOrder("PodMonitor/imagegate in imagegate", "PrometheusRule/imagegate in imagegate",
                        "ConfigMap/imagegate-dashboard in imagegate");
    }

    @Test
    void thePodMonitorScrapesImageGatesActuatorPort() throws Exception {
        JsonNode endpoint = find(render(MONITORING), "PodMonitor", "imagegate").at("/spec/podMetricsEndpoints/0");
        JsonNode pod = find(render(Path.of("deploy/kubernetes")), "Deployment", "imagegate").at("/spec/template");
        JsonNode selector = find(render(MONITORING), "PodMonitor", "imagegate").at("/spec/selector/matchLabels");

        selector.fields().forEachRemaining(label -> assertThat(pod.at("/metadata/labels").path(label.getKey()).asText())
                .isEqualTo(label.getValue().asText()));
        assertThat(selector.size()).isPositive();
        List<JsonNode> ports = pod.at("/spec/containers/0/ports").findParents("containerPort");
        assertThat(ports).filteredOn(port -> port.path("name").asText().equals(endpoint.path("port").asText()))
                .extracting(port -> port.path("containerPort").asInt()).containsExactly(ApplicationProperties.of("tls").actuatorPort());
        assertThat(endpoint.path("path").asText()).isEqualTo("/actuator/prometheus");
        assertThat(pod.at("/metadata/annotations/prometheus.io~1path").asText()).isEqualTo("/actuator/prometheus");
    }

    @Test
    void theRulesAndTheDashboardAreTheShippedFiles() throws Exception {
        List<JsonNode> objects = render(MONITORING);
        JsonNode dashboard = find(objects, "ConfigMap", "imagegate-dashboard");

        assertThat(find(objects, "PrometheusRule", "imagegate").at("/spec/groups"))
                .isEqualTo(YAML.readTree(Path.of("deploy/prometheus/imagegate-rules.yaml").toFile()).path("groups"));
        assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        assertThat(new ObjectMapper().readTree(dashboard.at("/data/imagegate.json").asText()))
                .isEqualTo(new ObjectMapper().readTree(Files.readString(Path.of("deploy/grafana/imagegate.json"))));
    }
}
