package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.imagegate.deploy.Kustomize.find;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Helm chart in deploy/helm/imagegate as {@code helm lint --strict} and {@code helm template} see it, with
 * its defaults and with each example values file: what it installs, what it refuses, and that its pods pass
 * the "restricted" Pod Security Standard. ChartMatchesKustomizeTest holds it to the Kustomize variants.
 */
class HelmChartTest {

    private static final ObjectMapper YAML = new YAMLMapper();

    /** No values file (the defaults), then every example. */
    static Stream<String> valuesFiles() throws IOException {
        try (Stream<Path> files = Files.list(Helm.EXAMPLES)) {
            return Stream.concat(Stream.of(""), files.map(Path::toString).sorted().toList().stream());
        }
    }

    private static String[] withValues(String valuesFile) {
        return valuesFile.isEmpty() ? new String[0] : new String[] {"--values", valuesFile};
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void lintStrictPasses(String valuesFile) {
        List<String> command = new ArrayList<>(List.of("lint", "--strict", Helm.CHART.toString(), "--namespace", Helm.NAMESPACE));
        command.addAll(List.of(withValues(valuesFile)));
        Helm.Result lint = Helm.run(command);

        assertThat(lint.exit()).as(lint.output()).isZero();
        assertThat(lint.output()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    /** What "restricted" asks of every pod (pod-security.kubernetes.io/enforce=restricted), checked on what the chart renders. */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyPodItRendersPassesTheRestrictedPodSecurityStandard(String valuesFile) {
        List<JsonNode> deployments = Helm.template(withValues(valuesFile)).stream()
                .filter(o -> o.path("kind").asText().equals("Deployment")).toList();

        assertThat(deployments).isNotEmpty();
        for (JsonNode deployment : deployments) {
            JsonNode pod = deployment.at("/spec/template/spec");
            String name = deployment.at("/metadata/name").asText();
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as("runAsNonRoot of %s", name).isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as("seccomp of %s", name).isEqualTo("RuntimeDefault");
            assertThat(pod.path("hostNetwork").asBoolean(false) || pod.path("hostPID").asBoolean(false)).isFalse();
            assertThat(pod.path("volumes").findValues("hostPath")).as("hostPath volumes of %s", name).isEmpty();
            for (JsonNode container : pod.path("containers")) {
                JsonNode security = container.path("securityContext");
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as("allowPrivilegeEscalation of %s", name).isFalse();
                assertThat(security.at("/capabilities/drop").toString()).as("capabilities of %s", name).isEqualTo("[\"ALL\"]");
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as("readOnlyRootFilesystem of %s", name).isTrue();
                assertThat(security.path("privileged").asBoolean(false)).isFalse();
            }
        }
    }

    /**
     * The image runs as its unprivileged user with a read-only root: the chart's pod runs as that user and gives
     * every path the image writes (its VOLUMEs: trivy's cache under HOME, /tmp) a volume of its own.
     */
    @Test
    void theChartsPodRunsTheImageAsItsUserWithAReadOnlyRoot() throws IOException {
        Dockerfile dockerfile = Dockerfile.read();
        String[] user = dockerfile.last("USER").split(":");
        List<String> volumes = new ArrayList<>();
        new ObjectMapper().readTree(dockerfile.last("VOLUME")).forEach(volume -> volumes.add(volume.asText()));
        JsonNode pod = find(Helm.template(), "Deployment", "imagegate").at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");

        assertThat(user[0]).isNotEqualTo("0");
        assertThat(pod.at("/securityContext/runAsUser").asText()).isEqualTo(user[0]);
        assertThat(pod.at("/securityContext/runAsGroup").asText()).isEqualTo(user[1]);
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).containsAll(volumes);
        for (JsonNode mount : container.path("volumeMounts")) {
            if (List.of("/tmp", "/home/imagegate").contains(mount.path("mountPath").asText())) {
                assertThat(mount.path("readOnly").asBoolean(false)).as("%s is writable", mount.path("mountPath")).isFalse();
            }
        }
    }

    @Test
    void aMisspeltValueIsRefusedWithItsName() {
        Helm.Result misspelt = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", "replica=3");
        Helm.Result unknownMode = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", "trivy.mode=standlone");
        Helm.Result wrongType = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", "replicas=two");

        assertThat(misspelt.exit()).isNotZero();
        assertThat(misspelt.output()).contains("values don't meet the specifications of the schema").contains("replica");
        assertThat(unknownMode.exit()).isNotZero();
        assertThat(unknownMode.output()).contains("trivy", "mode").containsAnyOf("must be one of", "value must be one of");
        assertThat(wrongType.exit()).isNotZero();
        assertThat(wrongType.output()).contains("replicas");
    }

    /** Secrets are named, never held: every secret the pods read comes from a Secret by reference. */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void secretsAreReadFromSecretsTheOperatorNames(String valuesFile) throws IOException {
        for (JsonNode deployment : Helm.template(withValues(valuesFile)).stream().filter(o -> o.path("kind").asText().equals("Deployment")).toList()) {
            for (JsonNode variable : deployment.at("/spec/template/spec").findValues("env").stream().flatMap(env -> stream(env)).toList()) {
                String name = variable.path("name").asText();
                if (name.matches(".*(TOKEN|PASSWORD|USERNAME|WEBHOOK_URL)")) {
                    assertThat(variable.at("/valueFrom/secretKeyRef/name").asText()).as("%s of %s", name, valuesFile).isNotEmpty();
                    assertThat(variable.has("value")).isFalse();
                }
            }
        }
        assertThat(Helm.template(withValues(valuesFile))).noneMatch(o -> o.path("kind").asText().equals("Secret"));
    }

    /** The kubelet sends SIGTERM after the preStop pause; ImageGate then exits within its shutdown limit, inside the grace period. */
    @Test
    void theGracePeriodCoversThePreStopPauseAndTheShutdownLimit() {
        Duration limit = Duration.parse("PT" + ApplicationProperties.of("tls").get("imagegate.shutdown.limit").toUpperCase());
        JsonNode pod = find(Helm.template(), "Deployment", "imagegate").at("/spec/template/spec");
        int pause = pod.at("/containers/0/lifecycle/preStop/sleep/seconds").asInt();

        assertThat(pause).isPositive();
        assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isGreaterThanOrEqualTo(pause + limit.toSeconds());

        JsonNode shorter = find(Helm.template("--set", "shutdown.limitSeconds=10", "--set", "shutdown.preStopPauseSeconds=3"),
                "Deployment", "imagegate").at("/spec/template/spec");
        assertThat(shorter.path("terminationGracePeriodSeconds").asInt()).isEqualTo(3 + 10 + 3);
        assertThat(shorter.at("/containers/0/env").toString()).contains("{\"name\":\"IMAGEGATE_SHUTDOWN_LIMIT\",\"value\":\"10s\"}");
    }

    /** The ConfigMap to copy to the control-plane nodes says what deploy/apiserver/admission-config.yaml says, and calls the release's Service. */
    @Test
    void theApiServerConfigurationIsTheShippedOneCallingTheReleasesService() throws IOException {
        JsonNode files = find(Helm.template(), "ConfigMap", "imagegate-apiserver").path("data");
        JsonNode kubeconfig = YAML.readTree(files.path("webhook.kubeconfig").asText());

        assertThat(YAML.readTree(files.path("admission-config.yaml").asText()))
                .isEqualTo(YAML.readTree(Path.of("deploy/apiserver/admission-config.yaml").toFile()));
        assertThat(kubeconfig.at("/clusters/0/cluster/server").asText())
                .isEqualTo("https://imagegate.imagegate.svc:8443/scan");
        // the URL deploy/gen-certs.sh makes the serving certificate for by default
        assertThat(Files.readString(Path.of("deploy/gen-certs.sh"))).contains("SERVER_URL defaults to https://imagegate.imagegate.svc:8443/scan");
        assertThat(kubeconfig.toString()).doesNotContain("-data\"");
        assertThat(Helm.template("--set", "imagePolicyWebhook.enabled=false")).noneMatch(o -> o.at("/metadata/name").asText().equals("imagegate-apiserver"));
    }

    @Test
    void clientServerWithRedisRunsTwoTrivyServersSharingTheChartsRedis() {
        List<JsonNode> objects = Helm.template("--values", Helm.EXAMPLES.resolve("client-server-redis.yaml").toString());
        JsonNode imagegate = find(objects, "Deployment", "imagegate");
        JsonNode trivy = find(objects, "Deployment", "imagegate-trivy-server");
        JsonNode redis = find(objects, "Service", "imagegate-redis");

        assertThat(imagegate.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(imagegate.at("/spec/template/spec/priorityClassName").asText()).isEqualTo("system-cluster-critical");
        assertThat(trivy.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(trivy.at("/spec/template/spec/containers/0/args").toString())
                .contains("--cache-backend=redis://imagegate-redis:" + redis.at("/spec/ports/0/port").asInt());
        assertThat(imagegate.at("/spec/template/spec/containers/0/env").toString())
                .contains("\"IMAGEGATE_TRIVY_SERVER\",\"value\":\"http://imagegate-trivy-server:4954\"");
        assertThat(trivy.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("aquasec/trivy:" + DockerfileTest.trivyVersion());
    }

    @Test
    void anExternalTrivyServerIsUsedAndNoneIsRun() {
        List<JsonNode> objects = Helm.template("--set", "trivy.mode=client-server", "--set", "trivy.server.url=http://trivy.security:4954");

        assertThat(objects).noneMatch(o -> o.at("/metadata/name").asText().contains("trivy-server"));
        assertThat(find(objects, "Deployment", "imagegate").at("/spec/template/spec/containers/0/env").toString())
                .contains("\"IMAGEGATE_TRIVY_SERVER\",\"value\":\"http://trivy.security:4954\"");
    }

    @Test
    void certManagerIssuesTheCertificateThePodsMount() {
        List<JsonNode> objects = Helm.template("--values", Helm.EXAMPLES.resolve("cert-manager-monitoring.yaml").toString());
        JsonNode certificate = find(objects, "Certificate", "imagegate");
        JsonNode pod = find(objects, "Deployment", "imagegate").at("/spec/template/spec");

        assertThat(certificate.at("/spec/issuerRef/name").asText()).isEqualTo("imagegate-ca");
        assertThat(certificate.at("/spec/dnsNames").toString()).contains("imagegate.imagegate.svc");
        assertThat(pod.path("volumes").findValues("secretName").stream().map(JsonNode::asText))
                .contains(certificate.at("/spec/secretName").asText());
        Helm.Result noIssuer = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", "tls.certManager.enabled=true");
        assertThat(noIssuer.exit()).isNotZero();
        assertThat(noIssuer.output()).contains("tls.certManager.issuerRef.name");
    }

    /** The monitoring objects are the ones of deploy/prometheus and deploy/grafana, for the release's namespace. */
    @Test
    void monitoringCarriesTheShippedRulesAndDashboard() throws IOException {
        List<JsonNode> objects = Helm.template("--values", Helm.EXAMPLES.resolve("cert-manager-monitoring.yaml").toString());
        JsonNode shippedRule = YAML.readTree(Path.of("deploy/prometheus/prometheusrule.yaml").toFile());

        assertThat(find(objects, "PrometheusRule", "imagegate").path("spec")).isEqualTo(shippedRule.path("spec"));
        assertThat(find(objects, "PrometheusRule", "imagegate").at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(find(objects, "ConfigMap", "imagegate-dashboard").at("/data/imagegate.json").asText())
                .isEqualTo(Files.readString(Path.of("deploy/grafana/imagegate.json")));
        assertThat(find(objects, "ConfigMap", "imagegate-dashboard").at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        JsonNode monitor = find(objects, "ServiceMonitor", "imagegate");
        JsonNode metrics = find(objects, "Service", "imagegate-metrics");
        assertThat(metrics.at("/spec/ports/0/port").asInt()).isEqualTo(ApplicationProperties.of("tls").actuatorPort());
        assertThat(monitor.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText())
                .isEqualTo(metrics.at("/metadata/labels/app.kubernetes.io~1name").asText());

        String otherNamespace = Helm.run("template", "gate", Helm.CHART.toString(), "--namespace", "security",
                "--set", "monitoring.prometheusRule.enabled=true").output();
        assertThat(otherNamespace).contains("namespace=\"security\"").doesNotContain("namespace=\"imagegate\"");
    }

    @Test
    void theOperatorsPolicyAlertsAndLimitsReachTheContainer() throws IOException {
        List<JsonNode> objects = Helm.template("--values", Helm.EXAMPLES.resolve("policy-and-alerts.yaml").toString());
        String env = find(objects, "Deployment", "imagegate").at("/spec/template/spec/containers/0/env").toString();
        JsonNode examplePolicy = YAML.readTree(YAML.readTree(Helm.EXAMPLES.resolve("policy-and-alerts.yaml").toFile()).at("/policy/inline").asText());

        assertThat(YAML.readTree(find(objects, "ConfigMap", "imagegate-policy").at("/data/policy.yaml").asText())).isEqualTo(examplePolicy);
        assertThat(env).contains("{\"name\":\"IMAGEGATE_REVIEW_DEADLINE\",\"value\":\"15s\"}", "{\"name\":\"IMAGEGATE_CACHE_TAG_TTL\",\"value\":\"30s\"}",
                "{\"name\":\"IMAGEGATE_ALERTS_SLACK_ENABLED\",\"value\":\"true\"}", "{\"name\":\"IMAGEGATE_ALERTS_EMAIL_HOST\",\"value\":\"smtp.example.com\"}");
        assertThat(env).contains("\"secretKeyRef\":{\"name\":\"imagegate-slack\",\"key\":\"webhook-url\"}")
                .contains("\"secretKeyRef\":{\"name\":\"imagegate-smtp\",\"key\":\"password\"}");
    }

    @Test
    void theOperatorsOwnConfigMapsReplaceTheShippedOnes() {
        List<JsonNode> objects = Helm.template("--set", "policy.existingConfigMap=team-policy", "--set", "routes.existingConfigMap=team-routes");
        JsonNode pod = find(objects, "Deployment", "imagegate").at("/spec/template/spec");

        assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("ConfigMap") && o.at("/metadata/name").asText().matches("imagegate-(policy|routes)"));
        assertThat(pod.path("volumes").findValuesAsText("name")).contains("team-policy", "team-routes");
    }

    /** The webhook door: off by default; on, both configurations call the review Service for pods, sparing ImageGate's own namespace. */
    @Test
    void theAdmissionWebhooksAreRenderedOnlyWhenEnabled() {
        assertThat(Helm.template()).noneMatch(o -> o.path("kind").asText().endsWith("WebhookConfiguration"));
        List<JsonNode> objects = Helm.template("--set", "admissionWebhooks.enabled=true", "--set", "admissionWebhooks.caBundle=Q0EK");

        for (String kind : List.of("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")) {
            JsonNode webhook = find(objects, kind, "imagegate").at("/webhooks/0");
            assertThat(webhook.at("/clientConfig/service/name").asText()).isEqualTo(find(objects, "Service", "imagegate").at("/metadata/name").asText());
            assertThat(webhook.at("/clientConfig/service/path").asText()).isEqualTo(kind.startsWith("Validating") ? "/validate" : "/mutate");
            assertThat(webhook.at("/clientConfig/service/port").asInt()).isEqualTo(find(objects, "Service", "imagegate").at("/spec/ports/0/port").asInt());
            assertThat(webhook.path("failurePolicy").asText()).isEqualTo("Fail");
            assertThat(webhook.path("timeoutSeconds").asInt()).isEqualTo(15);
            assertThat(webhook.path("sideEffects").asText()).isEqualTo("NoneOnDryRun");
            assertThat(webhook.at("/namespaceSelector/matchExpressions/0/operator").asText()).isEqualTo("NotIn");
            assertThat(webhook.at("/namespaceSelector/matchExpressions/0/values").toString()).isEqualTo("[\"imagegate\",\"kube-system\"]");
            assertThat(webhook.at("/rules/0/resources").toString()).contains("\"pods\"");
        }
        Helm.Result noCa = Helm.run("template", Helm.RELEASE, Helm.CHART.toString(), "--set", "admissionWebhooks.enabled=true");
        assertThat(noCa.exit()).isNotZero();
        assertThat(noCa.output()).contains("admissionWebhooks.caBundle");
        assertThat(find(Helm.template("--set", "admissionWebhooks.enabled=true", "--values", Helm.EXAMPLES.resolve("cert-manager-monitoring.yaml").toString()),
                "ValidatingWebhookConfiguration", "imagegate").at("/metadata/annotations/cert-manager.io~1inject-ca-from").asText())
                .isEqualTo("imagegate/imagegate");
    }

    /** A route file given in the values joins the shipped ones, or replaces the shipped file of its name. */
    @Test
    void routeFilesFromTheValuesJoinOrReplaceTheShippedOnes() throws IOException {
        JsonNode routes = find(Helm.template("--set-string", "routes.files.extra\\.yaml=- route: {id: extra}",
                "--set-string", "routes.files.alerts\\.yaml=- route: {id: quiet}"), "ConfigMap", "imagegate-routes").path("data");

        assertThat(routes.path("review.yaml").asText()).isEqualTo(Files.readString(Path.of("routes/review.yaml")));
        assertThat(routes.path("alerts.yaml").asText()).isEqualTo("- route: {id: quiet}");
        assertThat(routes.path("extra.yaml").asText()).isEqualTo("- route: {id: extra}");
    }

    /** NOTES.txt tells the operator the next step: the API server's flags and files. */
    @Test
    void theNotesNameTheApiServerFlagsAndTheFilesToCopy() {
        Helm.Result install = Helm.run("install", Helm.RELEASE, Helm.CHART.toString(), "--namespace", Helm.NAMESPACE, "--dry-run=client");

        assertThat(install.exit()).as(install.output()).isZero();
        assertThat(install.output()).contains("NOTES:", "--admission-control-config-file=/etc/kubernetes/imagegate/admission-config.yaml",
                "ImagePolicyWebhook", "kubectl -n imagegate get configmap imagegate-apiserver", "https://imagegate.imagegate.svc:8443/scan");
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }
}
