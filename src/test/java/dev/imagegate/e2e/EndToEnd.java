package dev.imagegate.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What the end-to-end suite needs from the machine: the real trivy, the real crane (go-containerregistry's,
 * which ImageGate asks for tags' digests), Go (to build the fixture DB writer and Kubernetes' own
 * ImagePolicyWebhook client from {@code e2e/}) and Debian's docker-registry. When one is missing the suite is
 * skipped, loudly, rather than failed, so {@code ./mvnw verify} still passes on a machine with only Java;
 * {@code .ci/run} installs all four.
 */
final class EndToEnd {

    static final Path PROJECT = Path.of("").toAbsolutePath();
    static final Path WORK = PROJECT.resolve("target/e2e");
    static final Path GO_MODULE = PROJECT.resolve("e2e");
    static final Path POLICY = GO_MODULE.resolve("policy.yaml");

    private static final Map<String, Path> built = new ConcurrentHashMap<>();

    /** The executables the suite runs. */
    record Tools(Path trivy, Path crane, Path go, Path registry) {
    }

    private EndToEnd() {
    }

    static Tools tools() {
        Optional<Path> trivy = Optional.ofNullable(System.getenv("IMAGEGATE_E2E_TRIVY")).map(Path::of)
                .or(() -> onPath("trivy", Path.of(System.getProperty("user.home"), "go/bin")));
        Optional<Path> crane = Optional.ofNullable(System.getenv("IMAGEGATE_E2E_CRANE")).map(Path::of)
                .or(() -> onPath("crane", Path.of(System.getProperty("user.home"), "go/bin")));
        Optional<Path> go = onPath("go", Path.of("/usr/local/go/bin"));
        Optional<Path> registry = onPath("docker-registry", Path.of("/usr/bin"));
        List<String> missing = new ArrayList<>();
        trivy.ifPresentOrElse(p -> { }, () -> missing.add("trivy v0.74.0 (on PATH, in ~/go/bin, or IMAGEGATE_E2E_TRIVY)"));
        crane.ifPresentOrElse(p -> { }, () -> missing.add("crane v0.22.1 (on PATH, in ~/go/bin, or IMAGEGATE_E2E_CRANE)"));
        go.ifPresentOrElse(p -> { }, () -> missing.add("go"));
        registry.ifPresentOrElse(p -> { }, () -> missing.add("docker-registry (apt-get install docker-registry)"));
        if (!missing.isEmpty()) {
            String message = "END-TO-END SUITE SKIPPED: missing " + String.join(", ", missing)
                    + ". .ci/run installs them; see README.md, 'End-to-end tests', to run it by hand.";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        return new Tools(trivy.get(), crane.get(), go.get(), registry.get());
    }

    /** Builds one command of the {@code e2e} Go module (once per run; Go's build cache makes repeats cheap). */
    static Path goCommand(Tools tools, String name) {
        return built.computeIfAbsent(name, command -> {
            Path binary = WORK.resolve("bin").resolve(command);
            run(GO_MODULE, List.of(tools.go().toString(), "build", "-o", binary.toString(), "./cmd/" + command));
            return binary;
        });
    }

    /** A trivy cache directory holding only the DB built from {@code e2e/fixtures/db}. */
    static Path fixtureDb(Tools tools, Path cacheDir) {
        run(PROJECT, List.of(goCommand(tools, "trivy-fixture-db").toString(),
                "-fixtures", GO_MODULE.resolve("fixtures/db").toString(), "-cache-dir", cacheDir.toString()));
        return cacheDir;
    }

    /**
     * ImageGate's settings for scanning with the real trivy against the fixture DB, offline, under
     * e2e/policy.yaml, looking tags up with the real crane.
     */
    static Map<String, String> offlineScanning(Tools tools, Path trivyCache) {
        return Map.of(
                "imagegate.trivy.command", tools.trivy().toString(),
                "imagegate.crane.command", tools.crane().toString(),
                "imagegate.trivy.cache-dir", trivyCache.toString(),
                "imagegate.trivy.skip-db-update", "true",
                "imagegate.policy.file", POLICY.toString());
    }

    static Path workDir(String name) throws IOException {
        Path dir = WORK.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> old = Files.walk(dir)) {
                old.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
            }
        }
        return Files.createDirectories(dir);
    }

    /** Stops each peer that was started, reporting a failure without giving up on the others. */
    static void closeAll(AutoCloseable... peers) {
        for (AutoCloseable peer : peers) {
            try {
                if (peer != null) {
                    peer.close();
                }
            } catch (Exception e) {
                System.err.println("stopping " + peer + ": " + e);
            }
        }
    }

    /** Runs a command to completion and returns its standard output; a failure quotes what it printed. */
    static String run(Path directory, List<String> command) {
        return run(directory, command, "");
    }

    static String run(Path directory, List<String> command, String input) {
        try {
            Path errors = Files.createTempFile("e2e-", ".err");
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectError(errors.toFile()).start();
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = process.waitFor();
            String stderr = Files.readString(errors);
            Files.delete(errors);
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ":\n" + stderr + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last 40 lines of a log, for a failure's message. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<Path> onPath(String name, Path... alsoIn) {
        List<Path> dirs = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.addAll(List.of(alsoIn));
        return dirs.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
    }
}
