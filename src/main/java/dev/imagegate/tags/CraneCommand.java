package dev.imagegate.tags;

import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.trivy.TrivyCommand;
import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The argument lists and environment ImageGate gives crane, so that it reaches registries the way trivy does:
 * trivy's environment (proxies, CA files, {@code DOCKER_CONFIG}), {@code --insecure} when {@code TRIVY_INSECURE}
 * is set, and trivy's {@code TRIVY_USERNAME}/{@code TRIVY_PASSWORD}, which crane only reads from a docker config:
 * they are written, by {@code crane auth login}, into a private one.
 */
@Component
public class CraneCommand {

    /** trivy's secrets; crane reads credentials from its docker config, never from these. */
    private static final Set<String> WITHHELD = Set.of("TRIVY_USERNAME", "TRIVY_PASSWORD", "TRIVY_TOKEN",
            "TRIVY_REGISTRY_TOKEN");

    private final TrivyCommand trivy;
    private final Optional<Credentials> credentials;
    private final Optional<Path> privateDockerConfig;
    private final boolean insecure;

    public CraneCommand(TrivyCommand trivy) {
        this.trivy = trivy;
        Map<String, String> trivyEnvironment = trivy.environment(System.getenv());
        this.insecure = Boolean.parseBoolean(trivyEnvironment.getOrDefault("TRIVY_INSECURE", "false"));
        this.credentials = Credentials.of(trivyEnvironment);
        this.privateDockerConfig = credentials.map(unused -> privateDockerConfig(trivyEnvironment));
    }

    /** {@code crane digest REPOSITORY:TAG}: the digest of the manifest the tag points to, from a HEAD request. */
    public List<String> digestArguments(ImageReference image) {
        List<String> args = new ArrayList<>(List.of("digest"));
        if (insecure) {
            args.add("--insecure");
        }
        args.add(image.repository() + ":" + (image.tag() == null ? "latest" : image.tag()));
        return args;
    }

    /** {@code crane auth login REGISTRY}: stores trivy's username and password (given on stdin) for one registry. */
    public List<String> loginArguments(String registry) {
        return List.of("auth", "login", registry, "--username", credentials.orElseThrow().username(), "--password-stdin");
    }

    public String password() {
        return credentials.orElseThrow().password();
    }

    /** True when trivy has a username and password, which crane has to be logged in with per registry. */
    public boolean hasCredentials() {
        return credentials.isPresent();
    }

    /** trivy's environment without its secrets, and with the private docker config when crane logs in. */
    public Map<String, String> environment(Map<String, String> parent) {
        Map<String, String> env = new LinkedHashMap<>(trivy.environment(parent));
        env.keySet().removeAll(WITHHELD);
        privateDockerConfig.ifPresent(dir -> env.put("DOCKER_CONFIG", dir.toString()));
        return env;
    }

    /** The private docker config holds a password: it goes with ImageGate. */
    @PreDestroy
    void deletePrivateDockerConfig() throws IOException {
        if (privateDockerConfig.isPresent()) {
            try (Stream<Path> files = Files.walk(privateDockerConfig.get())) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * A docker config directory only ImageGate reads, starting as a copy of the operator's config.json (so
     * registries configured there keep their credentials) to which {@code crane auth login} adds trivy's.
     */
    private static Path privateDockerConfig(Map<String, String> environment) {
        try {
            Path dir = Files.createTempDirectory("imagegate-crane-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            String operatorDir = environment.getOrDefault("DOCKER_CONFIG",
                    environment.getOrDefault("HOME", "/nonexistent") + "/.docker");
            Path operatorConfig = Path.of(operatorDir, "config.json");
            if (Files.isReadable(operatorConfig)) {
                Files.copy(operatorConfig, dir.resolve("config.json"));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create crane's docker config directory", e);
        }
    }

    /**
     * trivy's registry username and password. trivy tries each of a comma-separated list in turn; a docker
     * config holds one per registry, so crane gets the first pair.
     */
    private record Credentials(String username, String password) {

        static Optional<Credentials> of(Map<String, String> environment) {
            String username = environment.getOrDefault("TRIVY_USERNAME", "");
            String password = environment.getOrDefault("TRIVY_PASSWORD", "");
            if (username.isBlank() || password.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(username.split(",")[0].trim(), password.split(",")[0]));
        }
    }
}
