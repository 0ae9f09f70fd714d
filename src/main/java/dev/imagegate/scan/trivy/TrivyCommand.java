package dev.imagegate.scan.trivy;

import dev.imagegate.image.ImageReference;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The argument lists and environment ImageGate gives trivy. */
@Component
public class TrivyCommand {

    /** Parent variables that trivy needs to reach registries and find its files. */
    private static final List<String> INHERITED = List.of("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
            "SSL_CERT_FILE", "SSL_CERT_DIR", "DOCKER_CONFIG");

    private final TrivyProperties properties;

    public TrivyCommand(TrivyProperties properties) {
        this.properties = properties;
    }

    /**
     * {@code trivy image ...} for one image; the reference is the last element, exactly as written. The image
     * always comes from its registry, as the kubelet will pull it: a same-named image in a Docker, containerd
     * or Podman store on the scanner's host could differ from what the pod runs.
     */
    public List<String> scanArguments(ImageReference image) {
        List<String> args = new ArrayList<>(List.of("image", "--format", "json", "--quiet",
                "--scanners", "vuln", "--list-all-pkgs=false", "--image-src", "remote", "--timeout", goDuration()));
        args.addAll(cacheArguments());
        if (properties.clientServerMode()) {
            args.addAll(List.of("--server", properties.server()));
        } else {
            // Parallel standalone scans would contend on the fs scan cache lock.
            args.addAll(List.of("--cache-backend", "memory"));
            if (properties.scansSkipDbUpdate()) {
                args.addAll(List.of("--skip-db-update", "--skip-java-db-update"));
            }
        }
        args.add(image.original());
        return args;
    }

    /** {@code trivy image --download-db-only}: refreshes the vulnerability DB in one place. */
    public List<String> downloadDbArguments() {
        List<String> args = new ArrayList<>(List.of("image", "--download-db-only", "--quiet", "--timeout", goDuration()));
        args.addAll(cacheArguments());
        return args;
    }

    /** {@code trivy version --format json}: the scanner's version and its DB's age. */
    public List<String> versionArguments() {
        List<String> args = new ArrayList<>(List.of("version", "--format", "json"));
        args.addAll(cacheArguments());
        return args;
    }

    /** A controlled environment: a few inherited variables, trivy's quiet switches, then the operator's. */
    public Map<String, String> environment(Map<String, String> parent) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> variable : parent.entrySet()) {
            if (INHERITED.contains(variable.getKey()) || variable.getKey().startsWith("TRIVY_")) {
                env.put(variable.getKey(), variable.getValue());
            }
        }
        env.put("TRIVY_SKIP_VERSION_CHECK", "true");
        env.put("TRIVY_DISABLE_TELEMETRY", "true");
        env.put("TRIVY_NO_PROGRESS", "true");
        if (properties.clientServerMode()) {
            if (properties.token() != null && !properties.token().isBlank()) {
                env.put("TRIVY_TOKEN", properties.token());
            }
            if (properties.tokenHeader() != null && !properties.tokenHeader().isBlank()) {
                env.put("TRIVY_TOKEN_HEADER", properties.tokenHeader());
            }
        }
        env.putAll(properties.environment());
        return env;
    }

    private List<String> cacheArguments() {
        String dir = properties.cacheDir();
        return dir == null || dir.isBlank() ? List.of() : List.of("--cache-dir", dir);
    }

    private String goDuration() {
        return properties.timeout().toSeconds() + "s";
    }
}
