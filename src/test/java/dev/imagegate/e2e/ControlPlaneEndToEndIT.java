package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ImageGate behind a real kube-apiserver v1.37.2, configured from {@code deploy/} as the README tells an
 * operator to, with kube-controller-manager and kubectl: what a cluster's users and operators see. The
 * packaged ImageGate runs the {@code tls} profile with certificates from {@code deploy/gen-certs.sh}, the real
 * trivy and the loopback registry behind it, under {@code e2e/policy.yaml}.
 *
 * <p>The API server caches each answer per pod spec (images, {@code .image-policy.k8s.io/} annotations,
 * namespace): an allow for allowTTL (300 s), a deny for denyTTL (30 s). Cases that count ImageGate's reviews
 * or need a first answer use a namespace of their own, so no other case's answer is in that cache.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneEndToEndIT {

    static final String AUDIT = KubernetesClientEndToEndIT.PREFIX;
    static final String FORBIDDEN = "Error from server (Forbidden): pods \"%s\" is forbidden: ";
    static final String DENIED = "image policy webhook backend denied one or more images: ";
    /** deploy/apiserver/admission-config.yaml's denyTTL. */
    static final Duration DENY_TTL = Duration.ofSeconds(30);

    /** A clean image whose registry requests the test holds, so its scan outlasts the review deadline. */
    static final TestImage HELD = TestImage.alpine("e2e/alpine-held", "3.20.3",
            Map.of("musl", "1.2.5-r0", "busybox", "1.36.1-r29", "libcrypto3", "3.3.2-r1"));

    Path work;
    LocalRegistry registry;
    HeldRepositoryProxy heldRepository;
    ImageGateProcess imageGate;
    int imageGatePort;
    int managementPort;
    ControlPlane controlPlane;
    Kubectl kubectl;
    String clean;
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
        work = EndToEnd.workDir("control-plane");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        registry.push(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        registry.push(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        registry.push(HELD, "1.0");
        clean = registry.reference(ScanEndToEndIT.ALPINE_CLEAN, "1.0");
        vulnerable = registry.reference(ScanEndToEndIT.ALPINE_VULNERABLE, "1.0");
        heldRepository = HeldRepositoryProxy.start(registry, HELD);

        // README, "Deploying to a cluster", step 1: the TLS material and the API server's kubeconfig
        imageGatePort = Ports.free();
        managementPort = Ports.free();
        Path certs = work.resolve("certs");
        EndToEnd.run(EndToEnd.PROJECT, List.of("deploy/gen-certs.sh", certs.toString(), "https://127.0.0.1:" + imageGatePort + "/scan"));
        Path tls = Files.createDirectories(work.resolve("tls"));
        Files.copy(certs.resolve("server.crt"), tls.resolve("tls.crt"));
        Files.copy(certs.resolve("server.key"), tls.resolve("tls.key"));
        Files.copy(certs.resolve("ca.crt"), tls.resolve("ca.crt"));

        // step 2: ImageGate ready before the plugin is enabled
        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.put("spring.profiles.active", "tls");
        properties.put(ImageGateProcess.REVIEW_PORT, String.valueOf(imageGatePort));
        properties.put(ImageGateProcess.MANAGEMENT_PORT, String.valueOf(managementPort));
        properties.put("imagegate.tls.dir", tls.toString());
        imageGate = ImageGateProcess.start("imagegate", properties, work);

        // step 3: the API server reads deploy/apiserver/admission-config.yaml, the kubeconfig and
        // deploy/apiserver/audit-policy.yaml, as the flags of deploy/apiserver/kube-apiserver-flags.txt name them
        Files.copy(certs.resolve("webhook.kubeconfig"), Files.createDirectories(apiServerFiles()).resolve("webhook.kubeconfig"));
        Path auditPolicy = Files.copy(EndToEnd.PROJECT.resolve("deploy/apiserver/audit-policy.yaml"),
                apiServerFiles().resolve("audit-policy.yaml"));
        controlPlane = ControlPlane.start(kubernetes, work, installAdmissionConfig("admission-config.yaml", config -> config),
                auditPolicy);
        kubectl = controlPlane.kubectl();
        assertThat(kubectl.ok("version")).contains("Client Version: v1.37.2", "Server Version: v1.37.2");
    }

    @AfterAll
    void stop() {
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (imageGate != null) {
            imageGate.close();
        }
        if (heldRepository != null) {
            heldRepository.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** Stands in for the nodes' /etc/kubernetes/imagegate/. */
    Path apiServerFiles() {
        return work.resolve("etc/kubernetes/imagegate");
    }

    /** deploy/apiserver/admission-config.yaml, copied as README step 3 says, its paths pointed at {@link #apiServerFiles()}. */
    Path installAdmissionConfig(String name, UnaryOperator<String> edit) throws IOException {
        String shipped = Files.readString(EndToEnd.PROJECT.resolve("deploy/apiserver/admission-config.yaml"));
        assertThat(shipped).contains("kubeConfigFile: /etc/kubernetes/imagegate/webhook.kubeconfig");
        return Files.writeString(apiServerFiles().resolve(name),
                edit.apply(shipped.replace("/etc/kubernetes/imagegate/", apiServerFiles() + "/")));
    }

    // What a user sees when a pod is refused, and README's step 4 check (a server-side dry run)
    @Test
    @Order(1)
    void kubectlRunOfAVulnerableImageIsRefusedWithImageGatesReasonAndACleanOneIsCreated() {
        // README, "Deploying to a cluster", step 4: a server-side dry run is reviewed like a create
        Kubectl.Result dryRun = kubectl.run("run", "imagegate-check", "--image=" + vulnerable, "--restart=Never", "--dry-run=server");
        assertThat(dryRun.err()).as(dryRun.transcript())
                .startsWith(FORBIDDEN.formatted("imagegate-check") + DENIED + vulnerable + ": denied: ").contains("CVE-2024-6119");

        Kubectl.Result refused = kubectl.run("run", "vulnerable", "--image=" + vulnerable, "--restart=Never");

        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).as(refused.transcript())
                .startsWith(FORBIDDEN.formatted("vulnerable") + DENIED + vulnerable + ": denied: ")
                .contains("CVE-2024-6119", "at or above HIGH");
        assertThat(kubectl.run("get", "pod", "vulnerable").err()).contains("NotFound");

        Kubectl.Result created = kubectl.run("run", "clean", "--image=" + clean, "--restart=Never");

        assertThat(created.exit()).as(created.transcript()).isZero();
        assertThat(created.out()).isEqualTo("pod/clean created\n");
        assertThat(kubectl.ok("get", "pod", "clean", "-o", "jsonpath={.spec.containers[0].image}")).isEqualTo(clean);
    }

    // ImageGate's audit annotations reach the API server's audit log under the shipped audit policy
    @Test
    @Order(2)
    void theAuditLogRecordsImageGatesAuditAnnotationsOnThePodCreate() throws Exception {
        kubectl.run("run", "audited-vulnerable", "--image=" + vulnerable, "--restart=Never");
        kubectl.ok("run", "audited-clean", "--image=" + clean, "--restart=Never");

        JsonNode denied = podCreateEvent("default", "audited-vulnerable");
        assertThat(denied.at("/responseStatus/code").asInt()).as(denied.toString()).isEqualTo(403);
        assertThat(annotations(denied)).containsAllEntriesOf(Map.of(
                AUDIT + "decision", "denied",
                AUDIT + "denied-images", vulnerable,
                AUDIT + "highest-severity", "HIGH",
                AUDIT + "images-reviewed", "1",
                AUDIT + "mode", "enforce"));

        JsonNode allowed = podCreateEvent("default", "audited-clean");
        assertThat(allowed.at("/responseStatus/code").asInt()).as(allowed.toString()).isEqualTo(201);
        assertThat(annotations(allowed)).containsEntry(AUDIT + "decision", "allowed")
                .doesNotContainKeys(AUDIT + "denied-images", AUDIT + "failed-open");
    }

    // kubectl set image (and kubectl debug) send PATCH, which the shipped audit policy logs too
    @Test
    @Order(3)
    void aDeniedKubectlSetImageIsRecordedInTheAuditLog() throws Exception {
        kubectl.ok("run", "patched", "--image=" + clean, "--restart=Never");

        Kubectl.Result refused = kubectl.run("set", "image", "pod/patched", "patched=" + vulnerable);

        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).as(refused.transcript())
                .contains("pods \"patched\" is forbidden: " + DENIED + vulnerable + ": denied: ")
                .contains("CVE-2024-6119");
        assertThat(kubectl.ok("get", "pod", "patched", "-o", "jsonpath={.spec.containers[0].image}")).isEqualTo(clean);
        JsonNode patch = await("the audit event of patching default/patched", Duration.ofSeconds(10), () -> {
            try {
                return controlPlane.podEvents("patch", "default", "patched").stream().findFirst();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(patch.at("/responseStatus/code").asInt()).as(patch.toString()).isEqualTo(403);
        assertThat(annotations(patch)).containsAllEntriesOf(Map.of(
                AUDIT + "decision", "denied",
                AUDIT + "denied-images", vulnerable,
                AUDIT + "images-reviewed", "1"));
    }

    // The API server's answer cache (allowTTL, denyTTL) decides how often ImageGate is asked
    @Test
    @Order(4)
    void identicalPodSpecsWithinTheirTtlReachImageGateOnce() throws Exception {
        controlPlane.createNamespace("ttl");
        Map<String, Double> before = reviews();

        for (int i = 1; i <= 3; i++) {
            kubectl.ok("run", "clean-" + i, "--namespace=ttl", "--image=" + clean, "--restart=Never");
        }
        refuseVulnerablePodInTtl("vulnerable-1");
        long firstDenyCached = System.nanoTime();
        refuseVulnerablePodInTtl("vulnerable-2");
        refuseVulnerablePodInTtl("vulnerable-3");

        assertThat(reviewsSince(before)).as("three creates of each spec").containsEntry("allowed", 1.0).containsEntry("denied", 1.0);

        // past denyTTL the deny is asked again; the allow stays cached for allowTTL (300 s)
        sleepUntil(firstDenyCached + DENY_TTL.plusSeconds(2).toNanos());
        refuseVulnerablePodInTtl("vulnerable-4");
        kubectl.ok("run", "clean-4", "--namespace=ttl", "--image=" + clean, "--restart=Never");

        assertThat(reviewsSince(before)).as("after denyTTL").containsEntry("allowed", 1.0).containsEntry("denied", 2.0);
        assertThat(kubectl.ok("get", "pods", "--namespace=ttl", "-o", "name").lines())
                .containsExactlyInAnyOrder("pod/clean-1", "pod/clean-2", "pod/clean-3", "pod/clean-4");
    }

    void refuseVulnerablePodInTtl(String pod) {
        Kubectl.Result refused = kubectl.run("run", pod, "--namespace=ttl", "--image=" + vulnerable, "--restart=Never");
        assertThat(refused.err()).as(refused.transcript()).startsWith(FORBIDDEN.formatted(pod) + DENIED + vulnerable);
    }

    // Break-glass admits a vulnerable pod where the policy allows it, and only there
    @Test
    @Order(5)
    void aBreakGlassAnnotationAdmitsAVulnerablePodInStagingOnly() throws Exception {
        controlPlane.createNamespace("staging");
        String breakGlass = "--annotations=imagegate.image-policy.k8s.io/break-glass=INC-4711 hotfix";

        Kubectl.Result admitted = kubectl.run("run", "hotfix", "--namespace=staging", "--image=" + vulnerable,
                "--restart=Never", breakGlass);
        Kubectl.Result refused = kubectl.run("run", "hotfix", "--namespace=default", "--image=" + vulnerable,
                "--restart=Never", breakGlass);

        assertThat(admitted.exit()).as(admitted.transcript()).isZero();
        assertThat(admitted.out()).isEqualTo("pod/hotfix created\n");
        assertThat(annotations(podCreateEvent("staging", "hotfix"))).containsEntry(AUDIT + "break-glass", "INC-4711 hotfix");
        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).startsWith(FORBIDDEN.formatted("hotfix") + DENIED + vulnerable + ": denied: ")
                .contains("CVE-2024-6119");
    }

    // A pending scan: the workload's controller retries by itself, and rolls out once the scan is cached
    @Test
    @Order(6)
    void aDeploymentWhoseImageIsStillBeingScannedRollsOutByItselfOnceTheScanIsDone() throws Exception {
        controlPlane.createNamespace("rollout");
        String image = heldRepository.reference(HELD, "1.0");
        long start = System.nanoTime();

        kubectl.ok("create", "deployment", "held", "--namespace=rollout", "--image=" + image, "--replicas=2");

        // the replica set controller's first create waits out ImageGate's review deadline (20 s) and is denied
        String pending = await("a FailedCreate event", Duration.ofSeconds(120), () -> failedCreates("rollout").stream()
                .filter(message -> message.contains("scan in progress")).findFirst());
        Duration firstDenied = since(start);
        assertThat(pending).contains("is forbidden: " + DENIED + image + ": denied: scan in progress, retry shortly");
        assertThat(heldRepository.heldRequests()).as("trivy's pull of the image is being held").isPositive();
        assertThat(pods("rollout")).isEmpty();

        heldRepository.release();
        await("two pods of the deployment", Duration.ofMinutes(4), () -> Optional.of(pods("rollout")).filter(p -> p.size() == 2));
        Duration rolledOut = since(start);

        System.out.printf("%nControlPlaneEndToEndIT: Deployment of an image not yet scanned: first create denied as pending"
                + " after %d s, scan released then, both pods created by the controller's retries after %d s%n",
                firstDenied.toSeconds(), rolledOut.toSeconds());
        assertThat(kubectl.ok("get", "deployment", "held", "--namespace=rollout", "-o", "jsonpath={.status.replicas}"))
                .isEqualTo("2");
    }

    // The Kustomize variants of deploy/kubernetes are accepted by a real API server
    @Test
    @Order(7)
    void theShippedManifestsAreAcceptedByThisApiServer() throws Exception {
        // README, "Deploying to a cluster", step 2, with each Kustomize variant as a server-side dry run
        Path certs = work.resolve("certs");
        kubectl.ok("apply", "-f", "deploy/kubernetes/base/namespace.yaml");
        kubectl.ok("-n", "imagegate", "create", "secret", "generic", "imagegate-tls",
                "--from-file=tls.crt=" + certs.resolve("server.crt"), "--from-file=tls.key=" + certs.resolve("server.key"),
                "--from-file=ca.crt=" + certs.resolve("ca.crt"));
        kubectl.ok("-n", "imagegate", "create", "secret", "generic", "trivy-server-token", "--from-literal=token=e2e");

        // deploy/kubernetes/monitoring is left out: it needs the Prometheus Operator's CRDs.
        for (String variant : List.of("deploy/kubernetes", "deploy/kubernetes/client-server",
                "deploy/kubernetes/client-server-redis")) {
            Kubectl.Result dryRun = kubectl.run("apply", "--dry-run=server", "-k", variant, "-o", "name");

            assertThat(dryRun.exit()).as(dryRun.transcript()).isZero();
            assertThat(dryRun.err()).as(variant + ": no warnings").isEmpty();
            assertThat(new TreeSet<>(dryRun.out().lines().toList())).as(variant).isEqualTo(shippedObjects(variant));
        }
    }

    // defaultAllow with ImageGate down; last, as it stops ImageGate
    @Test
    @Order(8)
    void withImageGateDownPodsAreRefusedOrAdmittedAsDefaultAllowSays() throws Exception {
        controlPlane.createNamespace("outage");
        imageGate.close();

        Kubectl.Result refused = kubectl.run("run", "during-outage", "--namespace=outage", "--image=" + clean, "--restart=Never");

        assertThat(refused.exit()).as(refused.transcript()).isEqualTo(1);
        assertThat(refused.err()).as(refused.transcript())
                .startsWith(FORBIDDEN.formatted("during-outage") + "Post \"https://127.0.0.1:" + imageGatePort + "/scan?timeout=30s\": ")
                .contains("connection refused")
                .doesNotContain(DENIED);

        controlPlane.restartApiServer("kube-apiserver-default-allow", installAdmissionConfig("admission-config-default-allow.yaml",
                config -> config.replace("defaultAllow: false", "defaultAllow: true")));
        Kubectl.Result admitted = kubectl.run("run", "during-outage", "--namespace=outage", "--image=" + clean, "--restart=Never");

        assertThat(admitted.exit()).as(admitted.transcript()).isZero();
        assertThat(annotations(podCreateEvent("outage", "during-outage"))).containsEntry(AUDIT + "failed-open", "true");
        // The plugin also sets alpha.image-policy.k8s.io/failed-open on the pod, but validating admission works
        // on a copy: the audit log is the only record of a failed-open admission.
        assertThat(kubectl.ok("get", "pod", "during-outage", "--namespace=outage", "-o", "jsonpath={.metadata.annotations}"))
                .doesNotContain("failed-open");
    }

    /** The audit event of the pod's (last) create, once the API server has written it. */
    JsonNode podCreateEvent(String namespace, String pod) throws Exception {
        return await("the audit event of creating " + namespace + "/" + pod, Duration.ofSeconds(10), () -> {
            try {
                List<JsonNode> events = controlPlane.podCreateEvents(namespace, pod);
                return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Map<String, String> annotations(JsonNode event) {
        Map<String, String> annotations = new LinkedHashMap<>();
        event.path("annotations").properties().forEach(field -> annotations.put(field.getKey(), field.getValue().asText()));
        return annotations;
    }

    /** ImageGate's {@code imagegate_reviews_total} per decision, from its Prometheus endpoint. */
    Map<String, Double> reviews() throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> reviews = new LinkedHashMap<>(Map.of("allowed", 0.0, "denied", 0.0));
        metrics.body().lines().filter(line -> line.startsWith("imagegate_reviews_total{")).forEach(line -> {
            String decision = line.replaceFirst(".*decision=\"([a-z]+)\".*", "$1");
            reviews.merge(decision, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
        });
        return reviews;
    }

    Map<String, Double> reviewsSince(Map<String, Double> before) throws Exception {
        Map<String, Double> since = new LinkedHashMap<>(reviews());
        before.forEach((decision, count) -> since.merge(decision, -count, Double::sum));
        return since;
    }

    List<String> failedCreates(String namespace) {
        return kubectl.ok("get", "events", "--namespace=" + namespace, "--field-selector=reason=FailedCreate",
                "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}").lines().toList();
    }

    List<String> pods(String namespace) {
        return kubectl.ok("get", "pods", "--namespace=" + namespace, "-o", "name").lines().toList();
    }

    /** What {@code kubectl apply -o name} prints for each object a Kustomize variant renders: kind.group/name. */
    Set<String> shippedObjects(String variant) throws IOException {
        Set<String> objects = new TreeSet<>();
        YAMLMapper yaml = new YAMLMapper();
        for (JsonNode object : yaml.readerFor(JsonNode.class).<JsonNode>readValues(kubectl.ok("kustomize", variant)).readAll()) {
            String apiVersion = object.get("apiVersion").asText();
            String group = apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            objects.add(object.get("kind").asText().toLowerCase() + group + "/" + object.at("/metadata/name").asText());
        }
        assertThat(objects).as("objects of " + variant).hasSizeGreaterThan(5);
        return objects;
    }

    static <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            Thread.sleep(500);
        }
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long remaining = nanoTime - System.nanoTime();
        if (remaining > 0) {
            Thread.sleep(Duration.ofNanos(remaining).toMillis() + 1);
        }
    }

    static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }
}
