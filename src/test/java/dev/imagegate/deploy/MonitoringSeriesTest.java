package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.TestEnvironment;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.imagegate.support.ReviewClient.imageReview;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every series the Grafana dashboard and the alert rules read is one ImageGate really exports: the app runs,
 * answers allowed, denied and failed-scan reviews, notices a moved tag, fails a tag lookup, turns one away with
 * 429, and delivers and dead-letters an alert; then each query's selectors must find samples in
 * {@code /actuator/prometheus}.
 */
@ImageGateHttpTest
@TestPropertySource(properties = {
        "imagegate.review.deadline=10s",
        "imagegate.cache.tag-ttl=" + MonitoringSeriesTest.TAG_TTL_SECONDS + "s",
        "imagegate.review.max-in-flight=1",
        "imagegate.alerts.webhook.enabled=true",
        "imagegate.alerts.retries=0"})
class MonitoringSeriesTest {

    static final int TAG_TTL_SECONDS = 1;

    /** Series the rules read from other exporters: kube-state-metrics' pod readiness. */
    private static final Set<String> FROM_OTHER_EXPORTERS = Set.of("kube_pod_container_status_ready");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final TrivyDouble trivy = TestEnvironment.trivy();
    private static final CraneDouble crane = new CraneDouble();

    @RegisterExtension
    static final WireMockExtension webhook = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void peers(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.webhook.url", () -> webhook.baseUrl() + "/hook");
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_REGISTRY", crane::registryFile);
    }

    @Autowired
    ReviewClient client;

    private static boolean trafficSent;
    private static List<Sample> exposition;

    /** Once, before the first test (Camel's routes start only before a test method). */
    @BeforeEach
    void driveTraffic() {
        if (trafficSent) {
            assertThat(exposition).as("the traffic of the first test failed").isNotNull();
            return;
        }
        trafficSent = true;
        webhook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        webhook.stubFor(post(urlEqualTo("/hook")).withRequestBody(containing("\"namespace\":\"unreachable-sink\""))
                .willReturn(aResponse().withStatus(503)));

        assertThat(client.review("registry.test/series/clean:1").get("allowed").asBoolean()).isTrue();
        assertThat(client.review("registry.test/series/clean:1").get("allowed").asBoolean()).isTrue();
        assertThat(client.review("registry.test/series/vulnerable:1").get("allowed").asBoolean()).isFalse();
        assertThat(client.review("registry.test/series/missing:1").get("allowed").asBoolean()).isFalse();
        assertThat(client.post(imageReview("unreachable-sink", "registry.test/series/vulnerable:1")).statusCode()).isEqualTo(200);

        crane.push("registry.test/series/moved:1", "clean");
        assertThat(client.review("registry.test/series/moved:1").get("allowed").asBoolean()).isTrue();
        crane.push("registry.test/series/moved:1", "clean");
        await().pollDelay(Duration.ofMillis(TAG_TTL_SECONDS * 1000 + 500)).until(() -> true);
        assertThat(client.review("registry.test/series/moved:1").get("allowed").asBoolean()).isTrue();
        crane.failLookups("registry.test/series/gone:1", "GET https://registry.test/v2/series/gone/manifests/1: MANIFEST_UNKNOWN: manifest unknown");
        assertThat(client.review("registry.test/series/gone:1").get("allowed").asBoolean()).isFalse();

        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(
                () -> client.post(imageReview("default", "registry.test/series/hang:1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> trivy.runsOf("registry.test/series/hang:1").size() == 1);
        assertThat(client.post(imageReview("default", "registry.test/series/clean:1")).statusCode()).isEqualTo(429);
        // The held review is answered "pending" at the deadline; until then every request would get 429.
        assertThat(held.join().statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> metrics = client.actuator("/actuator/prometheus");
            assertThat(metrics.statusCode()).isEqualTo(200);
            List<Sample> samples = samples(metrics.body());
            assertThat(value(samples, "imagegate_alerts_sent_total", "sink", "webhook")).isGreaterThanOrEqualTo(1);
            assertThat(value(samples, "imagegate_alerts_failed_total", "sink", "webhook")).isEqualTo(1);
            exposition = samples;
        });
        assertThat(value(exposition, "imagegate_reviews_rejected_total", "reason", "too-many-in-flight")).isEqualTo(1);
        assertThat(value(exposition, "imagegate_verdicts_pending_total", null, null)).isEqualTo(1);
        assertThat(value(exposition, "imagegate_scan_cache_total", "result", "hit")).isGreaterThanOrEqualTo(1);
        assertThat(value(exposition, "imagegate_tag_moves_total", null, null)).isEqualTo(1);
        assertThat(value(exposition, "imagegate_tag_lookups_total", "outcome", "failed")).isEqualTo(1);
        assertThat(value(exposition, "imagegate_review_duration_seconds_count", null, null)).isEqualTo(9);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboardQueries")
    void everyDashboardQueryReadsExportedSeries(String panel, String query) {
        assertExported(query);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alertRules")
    void everyAlertRuleReadsExportedSeries(String alert, String expression) {
        assertExported(expression);
    }

    static Stream<Arguments> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/imagegate.json").toFile());
        List<Arguments> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.findParents("targets")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(Arguments.of(panel.path("title").asText(), target.path("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher labelValues = Pattern.compile("label_values\\((.+),\\s*\\w+\\)").matcher(variable.at("/query/query").asText());
            if (labelValues.matches()) {
                queries.add(Arguments.of("variable " + variable.path("name").asText(), labelValues.group(1)));
            }
        }
        assertThat(queries).hasSizeGreaterThan(10);
        return queries.stream();
    }

    static Stream<Arguments> alertRules() throws IOException {
        JsonNode rules = new YAMLMapper().readTree(Path.of("deploy/prometheus/imagegate-rules.yaml").toFile());
        return rules.findParents("alert").stream()
                .map(rule -> Arguments.of(rule.path("alert").asText(), rule.path("expr").asText()));
    }

    private void assertExported(String query) {
        List<SeriesSelector> selectors = SeriesSelector.in(query);

        assertThat(selectors).as(query).isNotEmpty();
        for (SeriesSelector selector : selectors) {
            if (FROM_OTHER_EXPORTERS.contains(selector.metric())) {
                continue;
            }
            assertThat(exposition).as("a sample of %s in /actuator/prometheus", selector)
                    .anyMatch(sample -> selector.matches(sample.name(), sample.labels()));
        }
    }

    private static double value(List<Sample> samples, String name, String label, String labelValue) {
        return samples.stream().filter(s -> s.name().equals(name) && (label == null || labelValue.equals(s.labels().get(label))))
                .mapToDouble(Sample::value).sum();
    }

    private static List<Sample> samples(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.add(new Sample(sample.group(1), labels, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))));
        }
        return samples;
    }

    private record Sample(String name, Map<String, String> labels, double value) {
    }
}
