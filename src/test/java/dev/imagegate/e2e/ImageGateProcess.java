package dev.imagegate.e2e;

import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The packaged {@code target/imagegate.jar}, started as operators start it, with real trivy behind it. */
final class ImageGateProcess implements AutoCloseable {

    static final String REVIEW_PORT = "imagegate.review.port";
    static final String MANAGEMENT_PORT = "server.port";
    static final String ADMISSION_PORT = "imagegate.admission.port";

    private final ServerProcess process;
    private final int reviewPort;
    private final int managementPort;
    private final int admissionPort;

    private ImageGateProcess(ServerProcess process, int reviewPort, int managementPort, int admissionPort) {
        this.process = process;
        this.reviewPort = reviewPort;
        this.managementPort = managementPort;
        this.admissionPort = admissionPort;
    }

    /**
     * Starts ImageGate with these Spring properties and waits until it is ready (trivy found, DB fresh,
     * policy and routes loaded). Reviews are served on {@code imagegate.review.port}, health on
     * {@code server.port}; each gets a free port unless the properties name one.
     */
    static ImageGateProcess start(String name, Map<String, String> properties, Path workDir)
            throws IOException, InterruptedException {
        return start(name, properties, Map.of(), workDir);
    }

    /** As {@link #start(String, Map, Path)}, with extra environment (e.g. the test-double trivy's settings). */
    static ImageGateProcess start(String name, Map<String, String> properties, Map<String, String> environment, Path workDir)
            throws IOException, InterruptedException {
        Path jar = EndToEnd.PROJECT.resolve("target/imagegate.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the suite runs after 'package' (./mvnw verify)");
        }
        Map<String, String> settings = new LinkedHashMap<>(properties);
        int reviewPort = Integer.parseInt(settings.computeIfAbsent(REVIEW_PORT, key -> String.valueOf(Ports.free())));
        int managementPort = Integer.parseInt(settings.computeIfAbsent(MANAGEMENT_PORT, key -> String.valueOf(Ports.free())));
        int admissionPort = Integer.parseInt(settings.computeIfAbsent(ADMISSION_PORT, key -> String.valueOf(Ports.free())));
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-jar", jar.toString()));
        settings.forEach((key, value) -> command.add("--" + key + "=" + value));
        ServerProcess process = ServerProcess.start(name, command, environment, workDir);
        try {
            process.awaitHttp(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness"), 200,
                    Duration.ofSeconds(240));
        } catch (RuntimeException | InterruptedException e) {
            process.close();
            throw e;
        }
        return new ImageGateProcess(process, reviewPort, managementPort, admissionPort);
    }

    /** A plain-HTTP client for reviews and the actuator. */
    ReviewClient client() {
        return new ReviewClient(reviewPort, managementPort);
    }

    /** Where only the admission webhooks ({@code /validate}, {@code /mutate}) are served. */
    int admissionPort() {
        return admissionPort;
    }

    /** Where health and metrics are served. */
    int managementPort() {
        return managementPort;
    }

    String logTail() {
        return process.logTail();
    }

    String log() {
        return process.log();
    }

    /** SIGTERM, as when Kubernetes stops the pod. */
    void terminate() {
        process.terminate();
    }

    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.awaitExit(timeout);
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    @Override
    public void close() {
        process.close();
    }
}
