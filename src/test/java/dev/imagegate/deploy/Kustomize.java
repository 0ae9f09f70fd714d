package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization the way {@code kubectl apply -k} does, with kubectl's built-in kustomize or the
 * standalone {@code kustomize} (which .ci/run installs when neither is present).
 */
final class Kustomize {

    private static final YAMLMapper YAML = new YAMLMapper();
    /** Rendering takes a second or two; the files do not change during a test run. */
    private static final Map<Path, List<JsonNode>> rendered = new ConcurrentHashMap<>();

    private Kustomize() {
    }

    /** The objects {@code kubectl apply -k directory} would send, or the test is skipped with a notice when nothing can render them. */
    static List<JsonNode> render(Path directory) throws IOException, InterruptedException {
        List<JsonNode> objects = rendered.get(directory);
        if (objects == null) {
            objects = renderNow(directory);
            rendered.put(directory, objects);
        }
        return objects;
    }

    private static List<JsonNode> renderNow(Path directory) throws IOException, InterruptedException {
        List<String> command = renderCommand(directory);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] stdout = process.getInputStream().readAllBytes();
        String stderr = new String(process.getErrorStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + stderr);
        }
        try (var parser = new YAMLFactory().createParser(stdout)) {
            return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(JsonNode::isObject).toList();
        }
    }

    static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && o.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static List<String> renderCommand(Path directory) {
        Optional<Path> kubectl = Executables.find("kubectl");
        if (kubectl.isPresent()) {
            return List.of(kubectl.get().toString(), "kustomize", directory.toString());
        }
        Optional<Path> kustomize = Executables.find("kustomize", Executables.goBin());
        Assumptions.assumeTrue(kustomize.isPresent(), "neither kubectl nor kustomize is installed: kustomization not rendered");
        return List.of(kustomize.get().toString(), "build", directory.toString());
    }
}
