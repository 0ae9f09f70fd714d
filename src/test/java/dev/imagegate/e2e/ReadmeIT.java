package dev.imagegate.e2e;

import com.sun.net.httpserver.HttpServer;
import dev.imagegate.docs.Readme;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * README.md's examples that need the packaged jar, run as written: the {@code check} lines (each exits as its
 * comment says; a mistake is one line on stderr) and the GitHub Actions step's check line, and the two route
 * edits of "Editing routes live", made on a running ImageGate started with the environment the README states.
 * ReadmeTest runs the rest and lists what no test runs.
 */
class ReadmeIT {

    static final String VULNERABLE = "registry.test/ci/vulnerable:1";
    static final Pattern EXIT = Pattern.compile("#\\s*exit (\\d)");

    @Test
    void theCheckExamplesExitAsTheirCommentsSay() throws Exception {
        String section = Readme.read().section("Checking images in CI: `check`");
        Path root = repositoryStandIn("check", "src", "config", "target");

        List<String> lines = Readme.codeBlock(section, "sh", "java -jar target/imagegate.jar check").lines()
                .filter(line -> !line.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
        for (String line : lines) {
            Matcher exit = EXIT.matcher(line);
            int expected = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
            Run run = bash(root, line, Map.of());

            assertThat(run.exit()).as(run.toString()).isEqualTo(expected);
            if (expected == 2) {
                assertThat(run.stderr().lines()).as(run.toString()).singleElement().asString().startsWith("imagegate check: ");
            }
        }

        // The GitHub Actions step, its check line as written, in a workspace with ImageGate checked out at imagegate/.
        String step = Readme.codeBlock(section, "yaml", "Would the cluster admit it?");
        String check = step.substring(step.indexOf("java -jar imagegate/target/imagegate.jar check")).replace("\\\n", " ");
        check = check.substring(0, check.indexOf('\n'));
        Path workspace = EndToEnd.workDir("readme-workspace");
        Files.createSymbolicLink(workspace.resolve("imagegate"), EndToEnd.PROJECT);
        Files.copy(root.resolve("report.json"), workspace.resolve("report.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Run actions = bash(workspace, check, Map.of("IMAGE", VULNERABLE));

        assertThat(actions.exit()).as(actions.toString()).isEqualTo(1);
        assertThat(actions.stdout()).as(actions.toString()).startsWith(VULNERABLE + ": denied: ").contains("CVE-2022-22965");
    }

    @Test
    void theRouteEditsLoadAndWorkWithTheEnvironmentTheReadmeStates() throws Exception {
        String section = Readme.read().section("Editing routes live");
        assertThat(section).contains("must be in ImageGate's environment\n**when the process starts**");
        String example1 = Readme.codeBlock(section, "yaml", "id: alert-teams");
        String example2 = Readme.codeBlock(section, "yaml", "id: audit-log");
        String inAlertRoute = example1.substring(example1.indexOf('\n') + 1, example1.indexOf("# a new route at the end of the file:"));
        String newRoute = example1.substring(example1.indexOf("# a new route at the end of the file:"));

        Path work = EndToEnd.workDir("readme");
        Path routes = Files.createDirectories(work.resolve("routes"));
        for (String file : List.of("review.yaml", "alerts.yaml")) {
            Files.copy(EndToEnd.PROJECT.resolve("routes").resolve(file), routes.resolve(file));
        }
        List<String> teams = new CopyOnWriteArrayList<>();
        HttpServer teamsWebhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        teamsWebhook.createContext("/teams", exchange -> {
            teams.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        teamsWebhook.start();
        try (ImageGateProcess imageGate = ImageGateProcess.start("imagegate-readme", Map.of(
                "imagegate.trivy.command", TrivyDouble.COMMAND,
                "imagegate.crane.command", CraneDouble.COMMAND,
                "imagegate.routes-dir", routes.toString()),
                // The README: the variable is in ImageGate's environment when the process starts.
                Map.of("TEAMS_WEBHOOK_URL", "http://127.0.0.1:" + teamsWebhook.getAddress().getPort() + "/teams"), work)) {
            ReviewClient client = imageGate.client();
            Path alerts = routes.resolve("alerts.yaml");

            // Example 1: the step beside the other sinks in route "alert", the new route at the end of the file.
            String original = Files.readString(alerts);
            String beforeQueueRoute = "\n\n- route:\n    id: queue-alert";
            assertThat(original).contains(beforeQueueRoute);
            Files.writeString(alerts, original.replace(beforeQueueRoute, "\n" + inAlertRoute.stripTrailing() + beforeQueueRoute)
                    + "\n" + newRoute);
            awaitReloads(imageGate, 1);

            assertThat(client.review("registry.test/readme/vulnerable:1").get("allowed").asBoolean()).isFalse();
            await().atMost(Duration.ofSeconds(20)).until(() -> !teams.isEmpty());
            assertThat(teams.get(0)).startsWith("{\"text\": \"[ImageGate] denied in namespace default");

            // Example 2: the audit-log route replaced; allowed reviews without a reason are no longer logged.
            String withTeams = Files.readString(alerts);
            int auditLog = withTeams.indexOf("- route:\n    id: audit-log");
            int next = withTeams.indexOf("\n- route:", auditLog + 1);
            Files.writeString(alerts, withTeams.substring(0, auditLog) + example2.stripTrailing() + "\n" + withTeams.substring(next));
            awaitReloads(imageGate, 2);

            assertThat(client.review("registry.test/readme/clean:2").get("allowed").asBoolean()).isTrue();
            assertThat(client.review("registry.test/readme/vulnerable:2").get("allowed").asBoolean()).isFalse();
            await().atMost(Duration.ofSeconds(20)).until(() -> auditLines(imageGate, "registry.test/readme/vulnerable:2") == 1);
            // One queue, one consumer: the allowed review's line would have come first.
            assertThat(auditLines(imageGate, "registry.test/readme/clean:2")).isZero();
        } finally {
            teamsWebhook.stop(0);
        }
    }

    static void awaitReloads(ImageGateProcess imageGate, int reloads) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            assertThat(imageGate.log()).as("a route edit of the README was rejected").doesNotContain("did not load");
            return imageGate.log().split("routes reloaded from", -1).length - 1 >= reloads;
        });
    }

    static long auditLines(ImageGateProcess imageGate, String image) {
        return imageGate.log().lines().filter(line -> line.contains("imagegate.audit") && line.contains(image)).count();
    }

    /** A directory standing in for the repository root: these top-level entries linked, anything else written there. */
    static Path repositoryStandIn(String name, String... entries) throws IOException {
        Path root = EndToEnd.workDir("readme-" + name);
        for (String entry : entries) {
            Files.createSymbolicLink(root.resolve(entry), EndToEnd.PROJECT.resolve(entry));
        }
        return root;
    }

    record Run(String command, int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "$ " + command + "\nexit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static Run bash(Path directory, String command, Map<String, String> environment) throws Exception {
        Path out = Files.createTempFile("readme-out-", "");
        Path err = Files.createTempFile("readme-err-", "");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(directory.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        // The java running this test, first on PATH, for the README's "java -jar".
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        builder.environment().merge("PATH", java.getParent().toString(), (path, bin) -> bin + ":" + path);
        builder.environment().putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as(command).isTrue();
        try {
            return new Run(command, process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
