package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;
import dev.imagegate.support.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ImageGate as a validating and a mutating admission webhook of a real kube-apiserver v1.37.2 with no
 * ImagePolicyWebhook, as on a managed cluster: the webhook configurations are those of
 * {@code deploy/kubernetes/admission-webhook}, with their caBundle from {@code deploy/gen-certs.sh}'s CA and only
 * the Service reference replaced by ImageGate's loopback URL (same paths). ImageGate is the packaged jar in the
 * {@code tls} profile with the real trivy, crane and the loopback registry behind it, kube-controller-manager runs
 * the deployment and replica set controllers, and kubectl shows what users see.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdmissionWebhookEndToEndIT {

    static final String VARIANT = "deploy/kubernetes/admission-webhook";
    static final String VALIDATING = "validate.imagegate.dev";
    static final String DENIED_BY_WEBHOOK = "admission webhook \"" + VALIDATING + "\" denied the request: ";
    static final String CVE = "CVE-2024-6119";
    /** ImageGate's own namespace: the webhook configurations leave it out. */
    static final String OWN_NAMESPACE = "imagegate";
    /** The namespace the test's policy runs in audit mode. */
    static final String AUDITED = "audited";

    static final String POLICY = """
            defaults:
              mode: enforce
              severity: HIGH
              onScanError: deny
            namespaces:
              exempt: [kube-system]
            """;
    static final String POLICY_WITH_AUDITED_NAMESPACE = POLICY + """
              overrides:
                %s:
                  mode: audit
            """.formatted(AUDITED);

    /** A clean image under a tag that the test later re-pushes with a vulnerable image. */
    static final TestImage MOVING_CLEAN = new TestImage("e2e/alpine-moving", ScanEndToEndIT.ALPINE_CLEAN.files());
    static final TestImage MOVING_VULNERABLE = new TestImage("e2e/alpine-moving", ScanEndToEndIT.ALPINE_VULNERABLE.files());

    Path work;
    Path policy;
    LocalRegistry registry;
    AlertSink alerts;
    ImageGateProcess imageGate;
    int admissionPort;
    ControlPlane controlPlane;
    Kubectl kubectl;
    Path variant;
    String clean;
    String cleanDigest;
    String vulnerable;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.err.println("\n*** " + context.getDisplayName() + " failed; the logs' tails (all in " + work + "):"
                    + (controlPlane == null ? "" : controlPlane.logTails())
                    + (imageGate == null ? "" : "\n--- imagegate ---\n" + imageGate.logTail()));
        }
    };

    @BeforeAll
    void start() throws Exception {
        EndToEnd.Tools tools = EndToEnd.tools();
        ControlPlane.Binaries kubernetes = ControlPlane.binaries(tools);
        work = EndToEnd.workDir("admission-webhook");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        cleanDigest = registry.push(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        registry.push(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        clean = registry.reference(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        vulnerable = registry.reference(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        alerts = AlertSink.start();

        // README, "Installing on a managed cluster": the TLS material; the webhooks need only the CA
        Path certs = work.resolve("certs");
        EndToEnd.run(EndToEnd.PROJECT, List.of("deploy/gen-certs.sh", certs.toString()));
        Path tls = Files.createDirectories(work.resolve("tls"));
        Files.copy(certs.resolve("server.crt"), tls.resolve("tls.crt"));
        Files.copy(certs.resolve("server.key"), tls.resolve("tls.key"));
        Files.copy(certs.resolve("ca.crt"), tls.resolve("ca.crt"));
        variant = variantWithCa(certs.resolve("ca.crt"));

        policy = work.resolve("policy.yaml");
        Files.writeString(policy, POLICY_WITH_AUDITED_NAMESPACE);
        admissionPort = Ports.free();
        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.put("imagegate.policy.file", policy.toString());
        properties.put("spring.profiles.active", "tls");
        properties.put("imagegate.tls.dir", tls.toString());
        properties.put("imagegate.admission.port", String.valueOf(admissionPort));
        properties.put("imagegate.alerts.webhook.enabled", "true");
        properties.put("imagegate.alerts.webhook.url", alerts.url());
        imageGate = ImageGateProcess.start("imagegate", properties, work);

        controlPlane = ControlPlane.startWithoutImagePolicyWebhook(kubernetes, work);
        kubectl = controlPlane.kubectl();
        assertThat(kubectl.ok("version")).contains("Server Version: v1.37.2");
        kubectl.ok("apply", "-f", "deploy/kubernetes/base/namespace.yaml");
        awaitDefaultServiceAccount(OWN_NAMESPACE);
        for (String namespace : List.of("workloads", AUDITED, "dry-run", "dry-run-control")) {
            controlPlane.createNamespace(namespace);
        }
        kubectl.ok("apply", "-f", webhooksCallingLoopback().toString());
        // the API server picks the configurations up within a second or so; the scans of both images are then cached
        await("the webhooks in force, the vulnerable image scanned", Duration.ofMinutes(1), () -> kubectl.run("run", "warm-up",
                "--image=" + vulnerable, "--restart=Never", "--dry-run=server"), dryRun -> dryRun.err().contains(CVE));
        await("the clean image scanned", Duration.ofMinutes(1), () -> kubectl.run("run", "warm-up",
                "--image=" + clean, "--restart=Never", "--dry-run=server"), dryRun -> dryRun.exit() == 0);
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(controlPlane, imageGate, alerts, registry);
    }

    /**
     * A copy of {@code deploy/kubernetes} (and the routes and policy its base packs into ConfigMaps) with the CA
     * in the admission-webhook variant, as README tells an operator to put it there; the work tree stays as it is.
     */
    Path variantWithCa(Path caCrt) throws IOException {
        Path tree = work.resolve("deploy-tree");
        for (String folder : List.of("deploy/kubernetes", "routes", "config")) {
            copyFolder(EndToEnd.PROJECT.resolve(folder), tree.resolve(folder));
        }
        Path copy = tree.resolve(VARIANT);
        Files.copy(caCrt, copy.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    static void copyFolder(Path from, Path to) throws IOException {
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

    /** The variant's two webhook configurations as rendered, each webhook calling ImageGate on loopback at its path. */
    Path webhooksCallingLoopback() throws IOException {
        List<JsonNode> configurations = rendered().stream()
                .filter(object -> object.path("kind").asText().endsWith("WebhookConfiguration")).toList();
        assertThat(configurations).extracting(object -> object.path("kind").asText())
                .containsExactlyInAnyOrder("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration");
        StringBuilder yaml = new StringBuilder();
        for (JsonNode configuration : configurations) {
            for (JsonNode webhook : configuration.path("webhooks")) {
                ObjectNode clientConfig = (ObjectNode) webhook.path("clientConfig");
                String path = clientConfig.at("/service/path").asText();
                assertThat(path).as("path of %s", webhook.path("name")).isIn("/validate", "/mutate");
                clientConfig.remove("service");
                clientConfig.put("url", "https://127.0.0.1:" + admissionPort + path);
            }
            yaml.append(new YAMLMapper().writeValueAsString(configuration));
        }
        return Files.writeString(work.resolve("webhooks-calling-loopback.yaml"), yaml.toString());
    }

    List<JsonNode> rendered() throws IOException {
        return new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(kubectl.ok("kustomize", variant.toString()))
                .readAll().stream().filter(JsonNode::isObject).toList();
    }

    @Test
    @Order(1)
    void theVariantIsAcceptedByThisApiServer() throws Exception {
        Kubectl.Result dryRun = kubectl.run("apply", "--dry-run=server", "-k", variant.toString(), "-o", "name");

        assertThat(dryRun.exit()).as(dryRun.transcript()).isZero();
        assertThat(dryRun.err()).as("no warnings").isEmpty();
        Set<String> objects = new TreeSet<>();
        for (JsonNode object : rendered()) {
            String apiVersion = object.get("apiVersion").asText();
            String group = apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            objects.add(object.get("kind").asText().toLowerCase() + group + "/" + object.at("/metadata/name").asText());
        }
        assertThat(objects).contains("validatingwebhookconfiguration.admissionregistration.k8s.io/imagegate",
                "mutatingwebhookconfiguration.admissionregistration.k8s.io/imagegate", "deployment.apps/imagegate",
                "service/imagegate");
        assertThat(new TreeSet<>(dryRun.out().lines().toList())).isEqualTo(objects);
    }

    @Test
    @Order(2)
    void kubectlCreateDeploymentOfAVulnerableImageIsRefusedAtOnceNamingTheImageAndACve() {
        Kubectl.Result refused = kubectl.run("create", "deployment", "web", "--namespace=workloads", "--image=" + vulnerable);

        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).as(refused.transcript())
                .contains(DENIED_BY_WEBHOOK + "Deployment workloads/web: " + vulnerable + " (container alpine-openssl)", ": denied: ", CVE);
        assertThat(kubectl.run("get", "deployment", "web", "--namespace=workloads").err()).contains("NotFound");
        System.out.printf("%nAdmissionWebhookEndToEndIT: a Deployment with a vulnerable image:%n%s%n", refused.transcript());
    }

    @Test
    @Order(3)
    void kubectlRunOfACleanTagStoresThePodPinnedToTheJudgedDigestWhichARePushOfTheTagDoesNotChange() throws Exception {
        String judgedDigest = registry.push(MOVING_CLEAN, "1.0");
        String tag = registry.reference(MOVING_CLEAN, "1.0");

        Kubectl.Result created = kubectl.run("run", "pinned", "--image=" + tag, "--restart=Never");

        assertThat(created.exit()).as(created.transcript()).isZero();
        assertThat(created.out()).isEqualTo("pod/pinned created\n");
        assertThat(podImage("default", "pinned")).isEqualTo(tag + "@" + judgedDigest);

        String rePushedDigest = registry.push(MOVING_VULNERABLE, "1.0");

        assertThat(rePushedDigest).isNotEqualTo(judgedDigest);
        assertThat(podImage("default", "pinned")).as("what the kubelet would pull").isEqualTo(tag + "@" + judgedDigest);
    }

    @Test
    @Order(4)
    void aDeploymentsTemplateKeepsItsTagWhileThePodsItsReplicaSetCreatesArePinned() {
        kubectl.ok("create", "deployment", "web", "--namespace=workloads", "--image=" + clean, "--replicas=2");

        List<String> podImages = await("two pods of deployment web", Duration.ofMinutes(2), () -> kubectl.ok("get", "pods",
                "--namespace=workloads", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")
                .lines().toList(), images -> images.size() == 2);

        assertThat(podImages).containsOnly(clean + "@" + cleanDigest);
        assertThat(kubectl.ok("get", "deployment", "web", "--namespace=workloads", "-o",
                "jsonpath={.spec.template.spec.containers[0].image}")).as("the Deployment as written").isEqualTo(clean);
        assertThat(kubectl.ok("get", "replicasets", "--namespace=workloads", "-l", "app=web", "-o",
                "jsonpath={.items[*].spec.template.spec.containers[0].image}")).as("its ReplicaSet").isEqualTo(clean);
    }

    @Test
    @Order(5)
    void kubectlDebugAddingAVulnerableEphemeralContainerIsRefusedAndACleanOneIsAdded() {
        Kubectl.Result refused = kubectl.run("debug", "pinned", "--image=" + vulnerable, "--container=debug-vulnerable");

        assertThat(refused.exit()).as(refused.transcript()).isNotZero();
        assertThat(refused.err()).as(refused.transcript()).contains(DENIED_BY_WEBHOOK, vulnerable, CVE);

        Kubectl.Result added = kubectl.run("debug", "pinned", "--image=" + clean, "--container=debug-clean");

        assertThat(added.exit()).as(added.transcript()).isZero();
        assertThat(kubectl.ok("get", "pod", "pinned", "-o",
                "jsonpath={range .spec.ephemeralContainers[*]}{.name}={.image}{\"\\n\"}{end}").lines())
                .containsExactly("debug-clean=" + clean + "@" + cleanDigest);
    }

    @Test
    @Order(6)
    void aServerSideDryRunOfAVulnerablePodIsRefusedAndSendsNoAlert() {
        Kubectl.Result dryRun = kubectl.run("run", "checked", "--namespace=dry-run", "--image=" + vulnerable,
                "--restart=Never", "--dry-run=server");

        assertThat(dryRun.exit()).as(dryRun.transcript()).isEqualTo(1);
        assertThat(dryRun.err()).as(dryRun.transcript()).contains(DENIED_BY_WEBHOOK + "Pod dry-run/checked: " + vulnerable + " (container checked)", CVE);

        // the same create, for real, elsewhere: its alert arrives, and the dry run's would have come before it
        Kubectl.Result refused = kubectl.run("run", "checked", "--namespace=dry-run-control", "--image=" + vulnerable,
                "--restart=Never");
        assertThat(refused.err()).as(refused.transcript()).contains(DENIED_BY_WEBHOOK + "Pod dry-run-control/checked: " + vulnerable);
        await("the alert of the real create", Duration.ofSeconds(30), alerts::received,
                received -> received.stream().anyMatch(alert -> alert.path("namespace").asText().equals("dry-run-control")));

        assertThat(alerts.received()).extracting(alert -> alert.path("namespace").asText()).doesNotContain("dry-run");
    }

    @Test
    @Order(7)
    void inANamespaceInAuditModeAVulnerablePodIsAdmittedAndKubectlPrintsAWarning() {
        Kubectl.Result admitted = kubectl.run("run", "audited", "--namespace=" + AUDITED, "--image=" + vulnerable, "--restart=Never");

        assertThat(admitted.exit()).as(admitted.transcript()).isZero();
        assertThat(admitted.out()).isEqualTo("pod/audited created\n");
        assertThat(admitted.err().lines().filter(line -> line.startsWith("Warning: ")).toList()).as(admitted.transcript())
                .anySatisfy(warning -> assertThat(warning).contains(ScanEndToEndIT.ALPINE_VULNERABLE.repository()));
        System.out.printf("%nAdmissionWebhookEndToEndIT: a vulnerable pod in a namespace in audit mode:%n%s%n", admitted.transcript());
    }

    @Test
    @Order(8)
    void labellingAndDeletingAPodWhoseImageIsDeniedSinceItsAdmissionSucceed() throws Exception {
        // the namespace leaves audit mode: the pod admitted above now runs an image the policy denies
        Files.writeString(policy, POLICY);
        await("the audited namespace enforced", Duration.ofSeconds(30), () -> kubectl.run("run", "probe",
                "--namespace=" + AUDITED, "--image=" + vulnerable, "--restart=Never", "--dry-run=server"), probe -> probe.exit() != 0);

        Kubectl.Result labelled = kubectl.run("label", "pod", "audited", "--namespace=" + AUDITED, "incident=INC-4711");

        assertThat(labelled.exit()).as(labelled.transcript()).isZero();
        assertThat(kubectl.ok("get", "pod", "audited", "--namespace=" + AUDITED, "-o", "jsonpath={.metadata.labels.incident}"))
                .isEqualTo("INC-4711");

        Kubectl.Result deleted = kubectl.run("delete", "pod", "audited", "--namespace=" + AUDITED, "--wait=false");

        assertThat(deleted.exit()).as(deleted.transcript()).isZero();
        await("pod audited gone", Duration.ofSeconds(30), () -> kubectl.run("get", "pod", "audited", "--namespace=" + AUDITED),
                get -> get.err().contains("NotFound"));
    }

    // last: it stops ImageGate
    @Test
    @Order(9)
    void withImageGateStoppedAPodIsRefusedByTheFailurePolicyExceptInImageGatesOwnNamespace() throws Exception {
        imageGate.close();
        Path pod = restrictedPod();

        Kubectl.Result refused = kubectl.run("apply", "--namespace=default", "-f", pod.toString());

        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).as(refused.transcript())
                .contains("failed calling webhook", "https://127.0.0.1:" + admissionPort + "/", "connection refused")
                .doesNotContain("denied the request");

        Kubectl.Result admitted = kubectl.run("apply", "--namespace=" + OWN_NAMESPACE, "-f", pod.toString());

        assertThat(admitted.exit()).as(admitted.transcript()).isZero();
        assertThat(podImage(OWN_NAMESPACE, "restarting")).as("not reviewed, so not pinned").isEqualTo(clean);
        System.out.printf("%nAdmissionWebhookEndToEndIT: with ImageGate stopped, what kubectl printed:%n%s%n", refused.transcript());
    }

    /** A pod that namespace imagegate's Pod Security level (restricted) admits, as ImageGate's own pods are. */
    Path restrictedPod() throws IOException {
        return Files.writeString(work.resolve("restricted-pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: restarting
                spec:
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 10001
                    seccompProfile: {type: RuntimeDefault}
                  containers:
                    - name: app
                      image: %s
                      securityContext:
                        allowPrivilegeEscalation: false
                        capabilities: {drop: [ALL]}
                """.formatted(clean));
    }

    String podImage(String namespace, String pod) {
        return kubectl.ok("get", "pod", pod, "--namespace=" + namespace, "-o", "jsonpath={.spec.containers[0].image}");
    }

    void awaitDefaultServiceAccount(String namespace) {
        await("the default service account of " + namespace, Duration.ofMinutes(1),
                () -> kubectl.run("get", "serviceaccount", "default", "--namespace=" + namespace), get -> get.exit() == 0);
    }

    static <T> T await(String what, Duration timeout, java.util.concurrent.Callable<T> probe, java.util.function.Predicate<T> done) {
        return org.awaitility.Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(500)).until(probe, done::test);
    }

    /** An HTTP endpoint on loopback for ImageGate's generic webhook alerts: it keeps each alert it is sent. */
    static final class AlertSink implements AutoCloseable {

        private static final ObjectMapper JSON = new ObjectMapper();

        private final HttpServer server;
        private final List<JsonNode> received = new CopyOnWriteArrayList<>();

        private AlertSink(HttpServer server) {
            this.server = server;
        }

        static AlertSink start() throws IOException {
            AlertSink sink = new AlertSink(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
            sink.server.createContext("/alerts", exchange -> {
                try (exchange) {
                    sink.received.add(JSON.readTree(exchange.getRequestBody()));
                    exchange.sendResponseHeaders(204, -1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            sink.server.start();
            return sink;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
        }

        List<JsonNode> received() {
            return new ArrayList<>(received);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
