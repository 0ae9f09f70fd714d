package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.imagegate.deploy.Kustomize.find;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kubectl apply -k deploy/kubernetes/admission-webhook}, rendered with the CA an operator puts beside it
 * (README, "Installing on a managed cluster"): ImageGate as in {@code deploy/kubernetes}, plus the webhook
 * configurations that make the API server call it, set as the API docs advise for a security webhook.
 */
class AdmissionWebhookManifestsTest {

    private static final String VARIANT = "deploy/kubernetes/admission-webhook";
    private static final ApplicationProperties TLS = ApplicationProperties.of("tls");

    @TempDir
    static Path work;
    static Path caCrt;
    static List<JsonNode> objects;

    /** A copy of deploy/kubernetes (and the files its base packs) with deploy/gen-certs.sh's CA in the variant's folder. */
    @BeforeAll
    static void render() throws Exception {
        Path certs = work.resolve("certs");
        Process genCerts = new ProcessBuilder("deploy/gen-certs.sh", certs.toString()).redirectErrorStream(true).start();
        String output = new String(genCerts.getInputStream().readAllBytes());
        assertThat(genCerts.waitFor(60, TimeUnit.SECONDS) && genCerts.exitValue() == 0).as(output).isTrue();
        caCrt = certs.resolve("ca.crt");
        Path tree = work.resolve("tree");
        for (String folder : List.of("deploy/kubernetes", "routes", "config")) {
            copyFolder(Path.of(folder), tree.resolve(folder));
        }
        Files.copy(caCrt, tree.resolve(VARIANT).resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        objects = Kustomize.render(tree.resolve(VARIANT));
    }

    @Test
    void theVariantInstallsImageGateAndBothWebhookConfigurationsButNotTheCaItWasRenderedWith() throws Exception {
        Set<String> standalone = kindsAndNames(Kustomize.render(Path.of("deploy/kubernetes")));

        assertThat(kindsAndNames(objects)).containsAll(standalone)
                .containsAll(Set.of("ValidatingWebhookConfiguration/imagegate", "MutatingWebhookConfiguration/imagegate"))
                .hasSize(standalone.size() + 2);
        for (JsonNode object : objects) {
            assertThat(object.at("/metadata/labels/app.kubernetes.io~1part-of").asText()).as("%s", object.at("/metadata/name"))
                    .isEqualTo("imagegate");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})
    void eachWebhookFailsClosedWithinFifteenSecondsAndCallsImageGatesServiceWithTheCa(String kind) throws Exception {
        JsonNode webhook = onlyWebhook(kind);
        JsonNode imageGate = find(objects, "Deployment", "imagegate");

        assertThat(webhook.path("failurePolicy").asText()).isEqualTo("Fail");
        assertThat(webhook.path("timeoutSeconds").asInt()).isEqualTo(15);
        assertThat(webhook.path("admissionReviewVersions").toString()).isEqualTo("[\"v1\"]");
        assertThat(webhook.path("matchPolicy").asText()).isEqualTo("Equivalent");
        assertThat(webhook.path("sideEffects").asText()).isEqualTo("NoneOnDryRun");
        assertThat(webhook.at("/clientConfig/service/name").asText()).isEqualTo(imageGate.at("/metadata/name").asText());
        assertThat(webhook.at("/clientConfig/service/namespace").asText()).isEqualTo(imageGate.at("/metadata/namespace").asText());
        assertThat(webhook.at("/clientConfig/service/port").asInt()).isEqualTo(443);
        // kustomize wraps the base64 in lines; the API server's decoder skips line breaks
        assertThat(Base64.getMimeDecoder().decode(webhook.at("/clientConfig/caBundle").asText())).isEqualTo(Files.readAllBytes(caCrt));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})
    void imageGatesOwnNamespaceAndKubeSystemAreNotReviewedSoACrashedImageGateCanBeStartedAgain(String kind) throws Exception {
        JsonNode selector = onlyWebhook(kind).path("namespaceSelector");
        String ownNamespace = find(objects, "Deployment", "imagegate").at("/metadata/namespace").asText();

        assertThat(selector.path("matchLabels").isMissingNode()).isTrue();
        assertThat(selector.path("matchExpressions").size()).isEqualTo(1);
        JsonNode exempt = selector.at("/matchExpressions/0");
        assertThat(exempt.path("key").asText()).isEqualTo("kubernetes.io/metadata.name");
        assertThat(exempt.path("operator").asText()).isEqualTo("NotIn");
        assertThat(strings(exempt.path("values"))).containsExactlyInAnyOrder(ownNamespace, "kube-system");
    }

    @Test
    void theValidatingWebhookReviewsPodsEphemeralContainersAndTheTemplatesOfEveryWorkloadKind() throws Exception {
        JsonNode webhook = onlyWebhook("ValidatingWebhookConfiguration");

        assertThat(webhook.path("name").asText()).isEqualTo("validate.imagegate.dev");
        assertThat(webhook.at("/clientConfig/service/path").asText()).isEqualTo("/validate");
        assertThat(rules(webhook)).containsExactlyInAnyOrder(
                "v1 pods CREATE",
                "v1 pods UPDATE",
                "v1 pods/ephemeralcontainers UPDATE",
                "v1 replicationcontrollers CREATE",
                "v1 replicationcontrollers UPDATE",
                "apps/v1 deployments CREATE",
                "apps/v1 deployments UPDATE",
                "apps/v1 replicasets CREATE",
                "apps/v1 replicasets UPDATE",
                "apps/v1 statefulsets CREATE",
                "apps/v1 statefulsets UPDATE",
                "apps/v1 daemonsets CREATE",
                "apps/v1 daemonsets UPDATE",
                "batch/v1 jobs CREATE",
                "batch/v1 jobs UPDATE",
                "batch/v1 cronjobs CREATE",
                "batch/v1 cronjobs UPDATE");
    }

    /** Pinning rewrites what runs, the Pod; templates stay as their authors (and GitOps tools) wrote them. */
    @Test
    void theMutatingWebhookPinsPodsOnlyAndIsCalledAgainWhenAnotherWebhookRewritesAnImage() throws Exception {
        JsonNode webhook = onlyWebhook("MutatingWebhookConfiguration");

        assertThat(webhook.path("name").asText()).isEqualTo("pin.imagegate.dev");
        assertThat(webhook.at("/clientConfig/service/path").asText()).isEqualTo("/mutate");
        assertThat(webhook.path("reinvocationPolicy").asText()).isEqualTo("IfNeeded");
        assertThat(rules(webhook)).containsExactlyInAnyOrder(
                "v1 pods CREATE",
                "v1 pods UPDATE",
                "v1 pods/ephemeralcontainers UPDATE");
    }

    @Test
    void theServiceTakesWebhookCallsOn443ToTheAdmissionPortImageGateOpens() throws Exception {
        JsonNode service = find(objects, "Service", "imagegate");
        JsonNode container = find(objects, "Deployment", "imagegate").at("/spec/template/spec/containers/0");
        JsonNode port = stream(service.at("/spec/ports")).filter(p -> p.path("port").asInt() == 443).findFirst()
                .orElseThrow(() -> new AssertionError("Service imagegate has no port 443: " + service));
        List<String> args = strings(container.path("args"));
        int admissionPort = args.stream().filter(arg -> arg.startsWith("--imagegate.admission.port="))
                .map(arg -> Integer.parseInt(arg.substring(arg.indexOf('=') + 1))).findFirst()
                .orElseGet(() -> Integer.parseInt(TLS.get("imagegate.admission.port")));

        assertThat(args).contains("--spring.profiles.active=tls");
        assertThat(containerPort(container, port.path("targetPort").asText())).isEqualTo(admissionPort);
        assertThat(admissionPort).as("beside the review port and the management port")
                .isNotEqualTo(Integer.parseInt(TLS.get("imagegate.review.port"))).isNotEqualTo(TLS.actuatorPort());
        assertThat(stream(service.at("/spec/ports")).map(p -> p.path("name").asText())).doesNotHaveDuplicates();
    }

    private static JsonNode onlyWebhook(String kind) {
        JsonNode webhooks = find(objects, kind, "imagegate").path("webhooks");
        assertThat(webhooks.size()).as("webhooks of %s", kind).isEqualTo(1);
        return webhooks.get(0);
    }

    /** Each rule as "group/version resource OPERATION", one per combination, every rule namespaced. */
    private static Set<String> rules(JsonNode webhook) {
        Set<String> rules = new TreeSet<>();
        for (JsonNode rule : webhook.path("rules")) {
            assertThat(rule.path("scope").asText()).as("scope of %s", rule).isEqualTo("Namespaced");
            for (String group : strings(rule.path("apiGroups"))) {
                for (String version : strings(rule.path("apiVersions"))) {
                    for (String resource : strings(rule.path("resources"))) {
                        for (String operation : strings(rule.path("operations"))) {
                            rules.add((group.isEmpty() ? "" : group + "/") + version + " " + resource + " " + operation);
                        }
                    }
                }
            }
        }
        return rules;
    }

    private static Set<String> kindsAndNames(List<JsonNode> rendered) {
        Set<String> names = new TreeSet<>();
        rendered.forEach(object -> names.add(object.path("kind").asText() + "/" + object.at("/metadata/name").asText()));
        return names;
    }

    private static List<String> strings(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    private static int containerPort(JsonNode container, String nameOrNumber) {
        return stream(container.path("ports"))
                .filter(p -> p.path("name").asText().equals(nameOrNumber) || p.path("containerPort").asText().equals(nameOrNumber))
                .map(p -> p.path("containerPort").asInt()).findFirst()
                .orElseThrow(() -> new AssertionError("container " + container.path("name") + " has no port " + nameOrNumber));
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
