package dev.imagegate.alert;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP alert sinks (the JSON webhook and Slack's incoming webhook, both real HTTP endpoints served by WireMock)
 * failing in every way a chat service or a proxy in front of it fails: each alert is tried
 * {@code 1 + imagegate.alerts.retries} times with a doubling delay, then written to the dead letter log naming
 * the sink and the failure, and counted; the review it came from is answered as if nothing happened.
 */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.alerts.retries=2",
        "imagegate.alerts.retry-delay=" + HttpSinkFailuresHttpTest.RETRY_DELAY_MS,
        "camel.component.http.response-timeout=1000",
        "camel.component.http.so-timeout=1000",
        "imagegate.alerts.webhook.enabled=true",
        "imagegate.alerts.slack.enabled=true"})
class HttpSinkFailuresHttpTest {

    static final int RETRY_DELAY_MS = 200;
    static final int ATTEMPTS = 3;

    @RegisterExtension
    static final WireMockExtension http = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void sinks(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.webhook.url", () -> http.baseUrl() + Sink.WEBHOOK.path);
        registry.add("imagegate.alerts.slack.webhook-url", () -> http.baseUrl() + Sink.SLACK.path);
    }

    enum Sink {
        WEBHOOK("/hooks/imagegate"), SLACK("/services/T000/B000/XXXX");

        final String path;

        Sink(String path) {
            this.path = path;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the endpoint fails, and the failure the dead letter line names. */
    enum Failure {
        ANSWERS_500(aResponse().withStatus(500).withBody("internal error"), "HttpOperationFailedException"),
        ANSWERS_503(aResponse().withStatus(503).withHeader("Retry-After", "1"), "HttpOperationFailedException"),
        ANSWERS_404(aResponse().withStatus(404).withBody("no_service"), "HttpOperationFailedException"),
        ANSWERS_403(aResponse().withStatus(403).withBody("invalid_token"), "HttpOperationFailedException"),
        HANGS(aResponse().withStatus(200).withFixedDelay(5_000), "SocketTimeoutException"),
        RESETS_THE_CONNECTION(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), "SocketException"),
        CLOSES_WITHOUT_ANSWER(aResponse().withFault(Fault.EMPTY_RESPONSE), "NoHttpResponseException");

        final ResponseDefinitionBuilder answer;
        final String exception;

        Failure(ResponseDefinitionBuilder answer, String exception) {
            this.answer = answer;
            this.exception = exception;
        }
    }

    @Autowired
    ReviewClient client;

    @BeforeEach
    void sinksAnswer() {
        for (Sink sink : Sink.values()) {
            http.stubFor(post(urlEqualTo(sink.path)).willReturn(aResponse().withStatus(200)));
        }
    }

    @ParameterizedTest(name = "slack {0}")
    @EnumSource(Failure.class)
    void slackFailingIsRetriedWithBackoffThenDeadLetteredAndCounted(Failure failure, CapturedOutput output) {
        retriedThenDeadLettered(Sink.SLACK, failure, output);
    }

    @ParameterizedTest(name = "webhook {0}")
    @EnumSource(Failure.class)
    void theWebhookFailingIsRetriedWithBackoffThenDeadLetteredAndCounted(Failure failure, CapturedOutput output) {
        retriedThenDeadLettered(Sink.WEBHOOK, failure, output);
    }

    @Test
    void aFailingSinkShowsInHealthUntilAnAlertGoesThroughAgain(CapturedOutput output) {
        http.stubFor(post(urlEqualTo(Sink.SLACK.path)).withRequestBody(containing("slack-to-recover")).willReturn(aResponse().withStatus(500)));
        client.post(ReviewClient.imageReview("slack-to-recover", "registry.test/slack-to-recover/vulnerable:1"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(output.getOut())
                .contains("alert to slack failed after retries (HttpOperationFailedException): [ImageGate] denied in namespace slack-to-recover"));
        assertThat(alertsHealth(client).at("/status").asText()).isEqualTo("UNKNOWN");

        client.post(ReviewClient.imageReview("slack-recovered", "registry.test/slack-recovered/vulnerable:1"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(alertsHealth(client).at("/status").asText()).isEqualTo("UP"));
    }

    private static JsonNode alertsHealth(ReviewClient client) {
        return ReviewClient.json(client.actuator("/actuator/health/alerts").body());
    }

    private void retriedThenDeadLettered(Sink sink, Failure failure, CapturedOutput output) {
        String namespace = sink.label() + "-" + failure.name().toLowerCase(Locale.ROOT).replace('_', '-');
        http.stubFor(post(urlEqualTo(sink.path)).withRequestBody(containing(namespace)).willReturn(failure.answer));
        Metrics metrics = new Metrics(client);
        String failed = "imagegate_alerts_failed_total{sink=\"" + sink.label() + "\"}";
        double failedBefore = metrics.value(failed);

        HttpResponse<String> answer = client.post(ReviewClient.imageReview(namespace, "registry.test/" + namespace + "/vulnerable:1"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(ReviewClient.json(answer.body()).at("/status/allowed").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(output.getOut()).contains(
                "alert to " + sink.label() + " failed after retries (" + failure.exception + "): [ImageGate] denied in namespace " + namespace + ":"));
        List<LoggedRequest> attempts = http.findAll(postRequestedFor(urlEqualTo(sink.path)).withRequestBody(containing(namespace)))
                .stream().sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
        assertThat(attempts).hasSize(ATTEMPTS);
        // Exponential backoff: the delay doubles (a loaded machine only makes the gaps longer).
        assertThat(gapMillis(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(RETRY_DELAY_MS);
        assertThat(gapMillis(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(2L * RETRY_DELAY_MS);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics.value(failed)).isEqualTo(failedBefore + 1));
    }

    private static long gapMillis(LoggedRequest earlier, LoggedRequest later) {
        return later.getLoggedDate().getTime() - earlier.getLoggedDate().getTime();
    }
}
