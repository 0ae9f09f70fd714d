package dev.imagegate.e2e;

import dev.imagegate.support.Ports;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The packaged {@code target/imagegate.jar}, started as operators start it, with real trivy behind it. */
final class ImageGateProcess implements AutoCloseable {

    private final ServerProcess process;
    private final int port;

    private ImageGateProcess(ServerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts ImageGate with these Spring properties and waits until it is ready (trivy found, DB fresh,
     * policy and routes loaded). With the {@code tls} profile, pass {@code management.server.port}.
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
        int port = properties.containsKey("server.port") ? Integer.parseInt(properties.get("server.port")) : Ports.free();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-jar", jar.toString(), "--server.port=" + port));
        properties.forEach((key, value) -> {
            if (!key.equals("server.port")) {
                command.add("--" + key + "=" + value);
            }
        });
        ServerProcess process = ServerProcess.start(name, command, environment, workDir);
        int managementPort = Integer.parseInt(properties.getOrDefault("management.server.port", String.valueOf(port)));
        try {
            process.awaitHttp(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness"), 200,
                    Duration.ofSeconds(240));
        } catch (RuntimeException | InterruptedException e) {
            process.close();
            throw e;
        }
        return new ImageGateProcess(process, port);
    }

    int port() {
        return port;
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
