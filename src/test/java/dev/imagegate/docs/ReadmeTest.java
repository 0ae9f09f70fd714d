package dev.imagegate.docs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README.md as a new user follows it: the example review of "Run" gets the answer shown from the application
 * started as "Run" says (with the test doubles), and every file the README names exists. {@code ReadmeIT} runs
 * the examples that need the packaged jar (the {@code check} lines, the route edits of "Editing routes live");
 * {@link #NOT_RUN_HERE} lists the examples no test here runs, and why.
 */
@ImageGateHttpTest
class ReadmeTest {

    /** Examples the build does not run, each with why (and what covers it instead, if anything). */
    static final Map<String, String> NOT_RUN_HERE = Map.ofEntries(
            Map.entry("./mvnw spring-boot:run\n", "needs the real trivy and crane and a registry; the end-to-end suite "
                    + "runs the packaged jar with them"),
            Map.entry("trivy image --download-db-only --cache-dir ./trivy-cache", "needs the network to the DB's "
                    + "registry; the end-to-end suite scans offline with a DB written the same way (e2e/cmd/trivy-fixture-db)"),
            Map.entry("oras copy ghcr.io/aquasecurity/trivy-db:2", "needs oras and the network"),
            Map.entry("go run ./cmd/trivy-fixture-db -fixtures fixtures/db", "needs Go and trivy's modules; the "
                    + "end-to-end suite builds and runs it (EndToEnd.fixtureDb), then ImageGate with these settings"),
            Map.entry("trivy image --format json --output report.json \"$IMAGE\"", "needs the real trivy and a registry; "
                    + "ReadmeIT runs the check line after it with a report of the test-double trivy"),
            Map.entry("uses: actions/checkout@v4", "runs only on GitHub Actions; ReadmeIT runs its check line"),
            Map.entry("kubectl apply -k deploy/kubernetes", "needs a cluster; ControlPlaneEndToEndIT applies each "
                    + "variant to a real API server as a server-side dry run"),
            Map.entry("sudo apt-get install docker-registry etcd-server", "needs root and the network; .ci/run does it"),
            Map.entry("curl -s localhost:8081/actuator/scans", "ScanCacheEndpointHttpTest sends these requests"),
            Map.entry("java -jar target/imagegate.jar --spring.profiles.active=tls", "TlsHttpTest and "
                    + "ControlPlaneEndToEndIT run the tls profile"));

    /** Paths in the README that a build or a script writes, so they need not exist in a fresh clone. */
    static final Map<String, String> WRITTEN_LATER = Map.of(
            "target/", "written by ./mvnw package",
            "out/", "written by deploy/gen-certs.sh out ...",
            "deploy/kubernetes/admission-webhook/ca.crt", "copied there by the operator from deploy/gen-certs.sh's output");

    private static final Pattern PROJECT_PATH = Pattern.compile(
            "(?<![\\w/.~-])((?:deploy|src|routes|config|e2e|bench|\\.ci|target|out)/[\\w./-]*)");
    private static final Pattern LINK = Pattern.compile("\\]\\(([\\w./-]+)\\)");

    @Autowired
    ReviewClient client;

    @Test
    void theExampleReviewOfRunGetsTheAnswerShown() {
        String run = Readme.read().section("Run");
        String start = Readme.codeBlock(run, "sh", "spring-boot.run.arguments");
        String curl = Readme.codeBlock(run, "sh", "curl");
        String shown = Readme.codeBlock(run, "json", "ImageReview");

        // The application under test runs the commands the README starts it with.
        assertThat(start).contains("--imagegate.trivy.command=" + TrivyDouble.COMMAND,
                "--imagegate.crane.command=" + CraneDouble.COMMAND);
        // Quoted: an unquoted ? is a glob to zsh, which then refuses the command.
        assertThat(curl).contains("curl -s 'localhost:8080/scan?timeout=30s'");
        Matcher body = Pattern.compile("-d '(.*)'", Pattern.DOTALL).matcher(curl);
        assertThat(body.find()).as("the request body in " + curl).isTrue();

        HttpResponse<String> response = client.post(body.group(1));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = ReviewClient.json(response.body());
        // The README elides status.images as [...]; every other field is compared as shown.
        JsonNode expected = ReviewClient.json(shown.replace("\"images\":[...]", "\"images\":[]"));
        assertThat(answer.get("apiVersion")).isEqualTo(expected.get("apiVersion"));
        assertThat(answer.get("kind")).isEqualTo(expected.get("kind"));
        assertThat(answer.at("/status/allowed")).isEqualTo(expected.at("/status/allowed"));
        assertThat(answer.at("/status/reason")).isEqualTo(expected.at("/status/reason"));
        assertThat(answer.at("/status/auditAnnotations")).isEqualTo(expected.at("/status/auditAnnotations"));
        assertThat(answer.at("/status/images")).hasSize(2);
    }

    @Test
    void everyFileTheReadmeNamesExists() {
        String text = Readme.read().text();
        Set<String> named = new TreeSet<>();
        Matcher path = PROJECT_PATH.matcher(text);
        while (path.find()) {
            // A glob or a placeholder names the folder before it.
            named.add(path.group(1).replaceAll("[*<].*$", "").replaceAll("[.]+$", ""));
        }
        Matcher link = LINK.matcher(text);
        while (link.find()) {
            named.add(link.group(1));
        }

        assertThat(named).as("paths found in README.md").contains("deploy/apiserver/audit-policy.yaml", "config/policy.yaml");
        Set<String> missing = new TreeSet<>();
        for (String file : named) {
            boolean later = WRITTEN_LATER.keySet().stream().anyMatch(file::startsWith);
            if (!later && !Files.exists(Path.of(file))) {
                missing.add(file);
            }
        }
        assertThat(missing).as("files README.md names that do not exist").isEmpty();
    }

    @Test
    void theExamplesNotRunHereAreStillInTheReadme() {
        String text = Readme.read().text();
        NOT_RUN_HERE.forEach((example, why) -> {
            assertThat(text).as("README.md example not run here (" + why + ")").contains(example);
            System.out.println("ReadmeTest: not run here: " + example.strip() + ": " + why);
        });
    }
}
