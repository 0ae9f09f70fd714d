package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs helm (v4, which .ci/run installs through tools/install.sh) on the chart in deploy/helm/imagegate, as an
 * operator would; the tests are skipped with a notice when helm is not installed.
 */
final class Helm {

    static final Path CHART = Path.of("deploy/helm/imagegate");
    static final Path EXAMPLES = CHART.resolve("examples");
    /** The release name the README installs with, which makes the objects' names those of the Kustomize variants. */
    static final String RELEASE = "imagegate";
    static final String NAMESPACE = "imagegate";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static volatile boolean skipNoticePrinted;
    private static final Map<List<String>, List<JsonNode>> rendered = new ConcurrentHashMap<>();

    /** What one helm command printed and exited with. */
    record Result(int exit, String output) {
    }

    private Helm() {
    }

    /** The objects {@code helm template} renders with these extra arguments (values files, --set), cached per argument list. */
    static List<JsonNode> template(String... arguments) {
        return rendered.computeIfAbsent(List.of(arguments), key -> {
            List<String> command = new ArrayList<>(List.of("template", RELEASE, CHART.toString(), "--namespace", NAMESPACE));
            command.addAll(key);
            Result result = run(command);
            if (result.exit() != 0) {
                throw new AssertionError("helm " + String.join(" ", command) + " failed:\n" + result.output());
            }
            return objects(result.output());
        });
    }

    static List<JsonNode> objects(String yaml) {
        try (var parser = new YAMLFactory().createParser(yaml)) {
            return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(JsonNode::isObject).toList();
        } catch (IOException e) {
            throw new AssertionError("not YAML: " + yaml, e);
        }
    }

    static Result run(String... arguments) {
        return run(List.of(arguments));
    }

    static Result run(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(executable().toString()));
        command.addAll(arguments);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", command) + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Path executable() {
        var helm = Executables.find("helm", Executables.goBin());
        if (helm.isEmpty()) {
            String message = "HELM CHECKS SKIPPED: helm is not installed. .ci/run installs it (tools/install.sh helm).";
            if (!skipNoticePrinted) {
                skipNoticePrinted = true;
                System.err.println("\n*** " + message + " ***\n");
            }
            Assumptions.abort(message);
        }
        return helm.get();
    }
}
