package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.support.Ports;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Kubernetes control plane on loopback, set up as an operator sets one up: etcd (Debian's etcd-server),
 * kube-apiserver with the ImagePolicyWebhook plugin, an audit log under the audit policy it is given, service-account keys,
 * and kube-controller-manager running the controllers pods need here (service accounts, deployments,
 * replica sets). kube-apiserver, kube-controller-manager and kubectl are v1.37.2, built by
 * {@code e2e/build-kubernetes.sh} from the module set of {@code e2e/go.mod}. No kubelet or scheduler:
 * admitted pods are stored and stay Pending.
 */
final class ControlPlane implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START = Duration.ofSeconds(120);

    /** The binaries it runs. */
    record Binaries(Path etcd, Path kubeApiserver, Path kubeControllerManager, Path kubectl) {
    }

    private final Binaries binaries;
    private final Path work;
    private final Path pki;
    private final int etcdPort;
    private final int apiServerPort;
    private final Path auditPolicy;
    private final List<ServerProcess> processes = new ArrayList<>();
    private ServerProcess apiServer;

    private ControlPlane(Binaries binaries, Path work, Path auditPolicy) {
        this.binaries = binaries;
        this.work = work;
        this.auditPolicy = auditPolicy;
        this.pki = work.resolve("pki");
        this.etcdPort = Ports.free();
        this.apiServerPort = Ports.free();
    }

    /**
     * Debian's etcd, and the Kubernetes binaries, built when missing (about 20 CPU-minutes the first
     * time; {@code .ci/run} builds them beforehand). Skips, with a notice, only when etcd is not installed.
     */
    static Binaries binaries(EndToEnd.Tools tools) {
        Optional<Path> etcd = EndToEnd.onPath("etcd", Path.of("/usr/bin"));
        if (etcd.isEmpty()) {
            String message = "CONTROL-PLANE END-TO-END TEST SKIPPED: missing etcd (apt-get install etcd-server). "
                    + ".ci/run installs it; see README.md, 'End-to-end tests'.";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        Path log = EndToEnd.WORK.resolve("build-kubernetes.log");
        System.err.println("ControlPlaneEndToEndIT: e2e/build-kubernetes.sh (a first build takes about 20 CPU-minutes; log: "
                + log + ")");
        try {
            Files.createDirectories(EndToEnd.WORK);
            ProcessBuilder build = new ProcessBuilder("bash", EndToEnd.GO_MODULE.resolve("build-kubernetes.sh").toString())
                    .redirectError(log.toFile());
            build.environment().merge("PATH", tools.go().getParent().toString(), (path, go) -> go + ":" + path);
            Process process = build.start();
            String dir = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor() != 0) {
                throw new IllegalStateException("e2e/build-kubernetes.sh failed:\n" + EndToEnd.tail(log));
            }
            Path bin = Path.of(dir);
            return new Binaries(etcd.get(), bin.resolve("kube-apiserver"), bin.resolve("kube-controller-manager"),
                    bin.resolve("kubectl"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts etcd, kube-apiserver with this admission configuration and audit policy, and kube-controller-manager. */
    static ControlPlane start(Binaries binaries, Path work, Path admissionConfig, Path auditPolicy)
            throws IOException, InterruptedException {
        ControlPlane controlPlane = new ControlPlane(binaries, work, auditPolicy);
        try {
            controlPlane.startAll(admissionConfig);
        } catch (IOException | InterruptedException | RuntimeException e) {
            controlPlane.close();
            throw e;
        }
        return controlPlane;
    }

    /**
     * Starts etcd, kube-apiserver without ImagePolicyWebhook (as on a managed cluster, whose API server flags a
     * user cannot set: admission webhooks are registered through the API instead), and kube-controller-manager.
     */
    static ControlPlane startWithoutImagePolicyWebhook(Binaries binaries, Path work) throws IOException, InterruptedException {
        return start(binaries, work, null, EndToEnd.PROJECT.resolve("deploy/apiserver/audit-policy.yaml"));
    }

    private void startAll(Path admissionConfig) throws IOException, InterruptedException {
        EndToEnd.run(EndToEnd.PROJECT, List.of("e2e/control-plane-pki.sh", pki.toString(), "https://127.0.0.1:" + apiServerPort));
        startEtcd();
        apiServer = startApiServer("kube-apiserver", admissionConfig);
        startControllerManager();
    }

    private void startEtcd() throws IOException, InterruptedException {
        String peer = "http://127.0.0.1:" + Ports.free();
        String client = "http://127.0.0.1:" + etcdPort;
        ServerProcess etcd = started(ServerProcess.start("etcd", List.of(binaries.etcd().toString(),
                "--name=e2e", "--logger=zap", "--data-dir=" + work.resolve("etcd-data"),
                "--listen-client-urls=" + client, "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer, "--initial-cluster=e2e=" + peer),
                Map.of(), work));
        etcd.awaitHttp(URI.create(client + "/health"), 200, START);
    }

    private ServerProcess startApiServer(String name, Path admissionConfig) throws IOException, InterruptedException {
        List<String> imagePolicyWebhook = admissionConfig == null ? List.of() : List.of(
                "--enable-admission-plugins=ImagePolicyWebhook",
                "--admission-control-config-file=" + admissionConfig);
        ServerProcess server = started(ServerProcess.start(name, Stream.concat(Stream.of(binaries.kubeApiserver().toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + apiServerPort,
                // the default reconciler refuses a loopback advertise address
                "--endpoint-reconciler-type=none",
                "--tls-cert-file=" + pki.resolve("apiserver.crt"), "--tls-private-key-file=" + pki.resolve("apiserver.key"),
                "--client-ca-file=" + pki.resolve("ca.crt"),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + pki.resolve("service-account.pub"),
                "--service-account-signing-key-file=" + pki.resolve("service-account.key"),
                "--service-cluster-ip-range=10.96.0.0/16",
                "--authorization-mode=RBAC",
                "--audit-policy-file=" + auditPolicy,
                "--audit-log-path=" + auditLog(),
                "--cert-dir=" + work.resolve("apiserver-certs"),
                // logs "error contacting webhook backend" and the ImagePolicyWebhook configuration
                "--v=2"), imagePolicyWebhook.stream()).toList(), Map.of(), work));
        Kubectl kubectl = kubectl();
        server.await("answer /readyz", () -> kubectl.run("get", "--raw=/readyz").exit() == 0, START);
        return server;
    }

    private void startControllerManager() throws IOException, InterruptedException {
        Path kubeconfig = pki.resolve("controller-manager.kubeconfig");
        ServerProcess controllerManager = started(ServerProcess.start("kube-controller-manager", List.of(
                binaries.kubeControllerManager().toString(),
                "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
                "--bind-address=127.0.0.1", "--secure-port=" + Ports.free(), "--cert-dir=" + work.resolve("controller-manager-certs"),
                "--leader-elect=false",
                // each controller acts with its own service account's token, as on kubeadm clusters
                "--use-service-account-credentials=true",
                "--service-account-private-key-file=" + pki.resolve("service-account.key"),
                "--root-ca-file=" + pki.resolve("ca.crt"),
                "--controllers=serviceaccount-token-controller,serviceaccount-controller,"
                        + "root-ca-certificate-publisher-controller,deployment-controller,replicaset-controller",
                "--v=2"), Map.of(), work));
        // pods are admitted only with their namespace's "default" service account in place
        controllerManager.await("create the default service account", () -> hasDefaultServiceAccount("default"), START);
    }

    private ServerProcess started(ServerProcess process) {
        processes.add(process);
        return process;
    }

    /** Restarts kube-apiserver with another admission configuration (its ImagePolicyWebhook cache starts empty). */
    void restartApiServer(String name, Path admissionConfig) throws IOException, InterruptedException {
        processes.remove(apiServer);
        apiServer.close();
        apiServer = startApiServer(name, admissionConfig);
    }

    /** kubectl as the cluster admin (group system:masters). */
    Kubectl kubectl() {
        return new Kubectl(binaries.kubectl(), adminKubeconfig());
    }

    /** The cluster admin's kubeconfig, for other clients (helm). */
    Path adminKubeconfig() {
        return pki.resolve("admin.kubeconfig");
    }

    /** Creates a namespace and waits for the service account its pods need. */
    void createNamespace(String namespace) throws InterruptedException {
        kubectl().ok("create", "namespace", namespace);
        apiServer.await("see the default service account of " + namespace, () -> hasDefaultServiceAccount(namespace), START);
    }

    private boolean hasDefaultServiceAccount(String namespace) {
        return kubectl().run("get", "serviceaccount", "default", "--namespace", namespace).exit() == 0;
    }

    Path auditLog() {
        return work.resolve("audit.log");
    }

    /** The audit log's events for creating this pod (one per attempt). */
    List<JsonNode> podCreateEvents(String namespace, String pod) throws IOException {
        return podEvents("create", namespace, pod);
    }

    /** The audit log's events of this verb ({@code create}, {@code patch}...) on this pod, oldest first. */
    List<JsonNode> podEvents(String verb, String namespace, String pod) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(auditLog())) {
            JsonNode event = JSON.readTree(line);
            JsonNode object = event.path("objectRef");
            if (event.path("verb").asText().equals(verb) && object.path("resource").asText().equals("pods")
                    && object.path("subresource").isMissingNode()
                    && object.path("namespace").asText().equals(namespace) && object.path("name").asText().equals(pod)) {
                events.add(event);
            }
        }
        return events;
    }

    /** The tail of each process's log, for a failure's report. */
    String logTails() {
        StringBuilder tails = new StringBuilder();
        processes.forEach(process -> tails.append("\n--- ").append(process.name()).append(".log ---\n").append(process.logTail()));
        return tails.toString();
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
    }
}
