package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.convert.DurationStyle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules in deploy/prometheus: Prometheus' own promtool checks them and runs their unit tests
 * (skipped, with a notice, where promtool is not installed: .ci/run installs it), every alert the operator
 * needs is there with a runbook, and the PrometheusRule carries the same rules.
 */
class AlertRulesTest {

    private static final Path RULES = Path.of("deploy/prometheus/imagegate-rules.yaml");
    private static final Path RULE_TESTS = Path.of("deploy/prometheus/imagegate-rules.test.yaml");
    private static final Path PROMETHEUS_RULE = Path.of("deploy/prometheus/prometheusrule.yaml");
    private static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS");
    }

    @Test
    void promtoolRunsTheRulesUnitTests() throws Exception {
        assertThat(promtool("test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
    }

    /** What the operator must hear about, and the alert that says it. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            no replica ready                      | ImageGateUnavailable
            a replica not ready                   | ImageGateNotReady
            DB older than imagegate.trivy.max-db-age | ImageGateVulnerabilityDbTooOld
            DB about to be too old                | ImageGateVulnerabilityDbAging
            scans failing                         | ImageGateScansFailing
            tag lookups without a registry answer | ImageGateTagLookupsFailing
            pending verdicts rising               | ImageGatePendingVerdictsRising
            reviews turned away with 429          | ImageGateReviewsRejected
            policy edit rejected                  | ImageGatePolicyReloadFailed
            route edit rejected                   | ImageGateRouteReloadFailed
            alerts dead-lettered                  | ImageGateAlertsDeadLettered
            alerts dropped                        | ImageGateAlertsDropped
            """)
    void everyConditionHasAnAlertWithARunbookAndAUnitTest(String condition, String alert) throws IOException {
        JsonNode rule = rule(alert).orElseThrow(() -> new AssertionError("no alert " + alert + " for: " + condition));
        List<JsonNode> cases = YAML.readTree(RULE_TESTS.toFile()).findParents("alertname").stream()
                .filter(c -> c.path("alertname").asText().equals(alert)).toList();

        assertThat(rule.at("/labels/severity").asText()).isIn("warning", "critical");
        for (String annotation : List.of("summary", "description", "runbook")) {
            assertThat(rule.at("/annotations/" + annotation).asText()).as("%s of %s", annotation, alert).isNotBlank();
        }
        assertThat(cases).as("promtool cases of %s", alert).anyMatch(c -> c.path("exp_alerts").size() > 0);
    }

    @Test
    void theStaleDbAlertFiresAtTheMaximumAgeImageGateIsConfiguredWith() throws IOException {
        String expression = rule("ImageGateVulnerabilityDbTooOld").orElseThrow().path("expr").asText();
        Matcher threshold = Pattern.compile("> ([\\d\\s*]+)$").matcher(expression);
        assertThat(threshold.find()).as(expression).isTrue();
        long seconds = Arrays.stream(threshold.group(1).split("\\*")).mapToLong(factor -> Long.parseLong(factor.strip()))
                .reduce(1, (a, b) -> a * b);

        assertThat(seconds).isEqualTo(DurationStyle.detectAndParse(ApplicationProperties.of().get("imagegate.trivy.max-db-age")).toSeconds());
    }

    @Test
    void thePrometheusRuleCarriesTheSameGroups() throws IOException {
        JsonNode prometheusRule = YAML.readTree(PROMETHEUS_RULE.toFile());

        assertThat(prometheusRule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(prometheusRule.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(prometheusRule.at("/spec/groups")).isEqualTo(YAML.readTree(RULES.toFile()).path("groups"));
    }

    private static Optional<JsonNode> rule(String alert) throws IOException {
        return YAML.readTree(RULES.toFile()).findParents("alert").stream().filter(r -> r.path("alert").asText().equals(alert)).findFirst();
    }

    /** promtool's output; it must exit 0. */
    private static String promtool(String... arguments) throws Exception {
        Optional<Path> promtool = Executables.find("promtool", Executables.goBin());
        if (promtool.isEmpty()) {
            String message = "PROMTOOL CHECKS SKIPPED: promtool is not installed. .ci/run builds it; by hand: "
                    + "GOTOOLCHAIN=local go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        List<String> command = new ArrayList<>(List.of(promtool.get().toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
