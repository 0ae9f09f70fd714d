package dev.imagegate.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code check --output sarif}, held to the SARIF 2.1.0 JSON schema (OASIS, {@code sarif-schema-2.1.0.json} of the
 * SARIF 2.1.0 errata 01 standard, as a test resource): one result per finding that counts, the exit code in the
 * run's invocation.
 */
class SarifOutputTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VULNERABLE = "registry.test/sarif/vulnerable:1";
    static final String END_OF_LIFE = "registry.test/sarif/eosl:1";
    static Schema sarif;

    @TempDir
    static Path files;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream schema = SarifOutputTest.class.getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
            sarif = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(schema);
        }
    }

    @Test
    void aDeniedImageHasOneResultPerCountedFindingAndExitsOne() throws IOException {
        Run run = check("--trivy-report", report("vulnerable", VULNERABLE).toString(), VULNERABLE);

        assertThat(run.exit()).isEqualTo(CheckCommand.DENIED);
        assertThat(errors(run.sarif())).isEmpty();
        JsonNode sarifRun = run.sarif().at("/runs/0");
        assertThat(sarifRun.at("/invocations/0/exitCode").asInt()).isEqualTo(CheckCommand.DENIED);
        assertThat(sarifRun.get("results")).extracting(result -> result.get("ruleId").asText())
                .containsExactly("CVE-2022-22965", "CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003", "CVE-2026-10004");
        assertThat(sarifRun.get("results")).allSatisfy(result -> {
            assertThat(result.get("level").asText()).isEqualTo("error");
            assertThat(result.at("/locations/0/physicalLocation/artifactLocation/uri").asText())
                    .isEqualTo("registry.test/sarif/vulnerable:1");
            assertThat(result.at("/locations/0/logicalLocations/0/fullyQualifiedName").asText()).isEqualTo(VULNERABLE);
            assertThat(sarifRun.at("/tool/driver/rules/" + result.get("ruleIndex").asInt() + "/id").asText())
                    .isEqualTo(result.get("ruleId").asText());
        });
        assertThat(sarifRun.at("/results/0/message/text").asText()).isEqualTo("org.springframework:spring-beans 5.3.15 in "
                + VULNERABLE + " is affected by CVE-2022-22965 (CRITICAL): upgrade to 5.3.18, 5.2.20");
        assertThat(sarifRun.at("/results/3/message/text").asText())
                .isEqualTo("busybox 1.36.1-r15 in " + VULNERABLE + " is affected by CVE-2026-10003 (HIGH): no fix yet");
        assertThat(sarifRun.at("/tool/driver/rules/0/properties/security-severity").asText()).isEqualTo("9.5");
        assertThat(sarifRun.at("/tool/driver/rules/0/defaultConfiguration/level").asText()).isEqualTo("error");
    }

    @Test
    void oneVulnerabilityInTwoPackagesIsTwoResultsOfOneRule() throws IOException {
        Run run = check("--trivy-report", report("eosl", END_OF_LIFE).toString(), END_OF_LIFE);

        assertThat(errors(run.sarif())).isEmpty();
        JsonNode sarifRun = run.sarif().at("/runs/0");
        assertThat(sarifRun.get("results")).hasSize(5);
        assertThat(sarifRun.at("/results/0/ruleId").asText()).isEqualTo("CVE-2026-20901");
        assertThat(sarifRun.at("/results/1/ruleId").asText()).isEqualTo("CVE-2026-20901");
        assertThat(sarifRun.at("/results/1/ruleIndex").asInt()).isEqualTo(sarifRun.at("/results/0/ruleIndex").asInt());
        assertThat(sarifRun.at("/tool/driver/rules")).hasSize(4);
    }

    @Test
    void aCleanImageHasNoResultsAndExitsZero() throws IOException {
        Run run = check("--trivy-report", report("clean", "registry.test/sarif/clean:1").toString(), "registry.test/sarif/clean:1");

        assertThat(run.exit()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(errors(run.sarif())).isEmpty();
        assertThat(run.sarif().at("/runs/0/results")).isEmpty();
        assertThat(run.sarif().at("/runs/0/invocations/0/exitCode").asInt()).isEqualTo(CheckCommand.ADMITTED);
    }

    @Test
    void anImageDeniedWithoutFindingsIsOneResultOfTheDeniedRule() {
        Run run = check("--imagegate.trivy.command=/nonexistent/trivy", "--imagegate.crane.command=/nonexistent/crane",
                "localhost:5000/Bad Image:1", "nginx:1.27");

        assertThat(run.exit()).isEqualTo(CheckCommand.DENIED);
        assertThat(errors(run.sarif())).isEmpty();
        JsonNode results = run.sarif().at("/runs/0/results");
        assertThat(results).hasSize(2).allSatisfy(result -> assertThat(result.get("ruleId").asText()).isEqualTo(Sarif.DENIED_RULE));
        assertThat(results.get(0).at("/message/text").asText()).startsWith("localhost:5000/Bad Image:1: denied: invalid image reference");
        assertThat(results.get(0).at("/locations/0/physicalLocation/artifactLocation/uri").asText())
                .isEqualTo("localhost%3A5000/Bad%20Image:1");
        assertThat(results.get(1).at("/locations/0/physicalLocation/artifactLocation/uri").asText()).isEqualTo("nginx%3A1.27");
    }

    @Test
    void anAuditedNamespaceWarnsAndExitsZero() throws IOException {
        Path policy = Files.writeString(files.resolve("audit.yaml"), "defaults: {mode: audit}\n");

        Run run = check("--policy", policy.toString(), "--trivy-report", report("vulnerable", VULNERABLE).toString(), VULNERABLE);

        assertThat(run.exit()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(errors(run.sarif())).isEmpty();
        assertThat(run.sarif().at("/runs/0/invocations/0/exitCode").asInt()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(run.sarif().at("/runs/0/results")).hasSize(5)
                .allSatisfy(result -> assertThat(result.get("level").asText()).isEqualTo("warning"));
    }

    /** The schema is no rubber stamp: a result with a level SARIF does not have, or without a message, fails it. */
    @Test
    void theSchemaRejectsWhatSarifDoesNotAllow() throws IOException {
        JsonNode valid = check("--trivy-report", report("vulnerable", VULNERABLE).toString(), VULNERABLE).sarif();
        ObjectNode badLevel = valid.deepCopy();
        ((ObjectNode) badLevel.at("/runs/0/results/0")).put("level", "fatal");
        ObjectNode noMessage = valid.deepCopy();
        ((ObjectNode) noMessage.at("/runs/0/results/0")).remove("message");
        ObjectNode badUri = valid.deepCopy();
        ((ObjectNode) badUri.at("/runs/0/results/0/locations/0/physicalLocation/artifactLocation")).put("uri", "127.0.0.1:5000/a b");

        assertThat(errors(valid)).isEmpty();
        assertThat(errors(badLevel)).isNotEmpty();
        assertThat(errors(noMessage)).isNotEmpty();
        assertThat(errors(badUri)).isNotEmpty();
    }

    private static List<Error> errors(JsonNode document) {
        return sarif.validate(document);
    }

    private static Path report(String name, String image) throws IOException {
        String repository = image.substring(0, image.lastIndexOf(':'));
        String report = Files.readString(Path.of("src/test/trivy/reports", name + ".json"))
                .replace("@REPO@", repository).replace("@IMAGE@", image);
        return Files.writeString(files.resolve(name + ".json"), report);
    }

    private static Run check(String... args) {
        List<String> all = new ArrayList<>(List.of("--output", "sarif"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CheckCommand.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(exit, JSON.readTree(out.toString(StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + out + err, e);
        }
    }

    record Run(int exit, JsonNode sarif, String stderr) {
    }
}
