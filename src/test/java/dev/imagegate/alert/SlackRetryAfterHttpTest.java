package dev.imagegate.alert;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rate-limited Slack workspace (Slack's incoming webhook, served by WireMock) answers 429 with Retry-After: the
 * alert is tried again only after that long, bounded by {@code imagegate.alerts.max-retry-after}, and reaches the
 * dead letter only after its last retry.
 */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.alerts.retries=2",
        "imagegate.alerts.retry-delay=" + SlackRetryAfterHttpTest.RETRY_DELAY_MS,
        "imagegate.alerts.max-retry-after=3s",
        "imagegate.alerts.slack.enabled=true"})
class SlackRetryAfterHttpTest {

    static final int RETRY_DELAY_MS = 200;
    static final String SLACK = "/services/T000/B000/RATE";

    @RegisterExtension
    static final WireMockExtension slack = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void sink(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.slack.webhook-url", () -> slack.baseUrl() + SLACK);
    }

    @Autowired
    ReviewClient client;

    @Test
    void a429WithRetryAfterIsWaitedForAndTheAlertDeliveredOnce(CapturedOutput output) {
        String namespace = "slack-rate-limited";
        slack.stubFor(post(urlEqualTo(SLACK)).inScenario("rate limit").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2").withBody("rate_limited"))
                .willSetStateTo("limited once"));
        slack.stubFor(post(urlEqualTo(SLACK)).inScenario("rate limit").whenScenarioStateIs("limited once")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2").withBody("rate_limited"))
                .willSetStateTo("limited twice"));
        slack.stubFor(post(urlEqualTo(SLACK)).inScenario("rate limit").whenScenarioStateIs("limited twice")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        Metrics metrics = new Metrics(client);
        double sent = metrics.value("imagegate_alerts_sent_total{sink=\"slack\"}");
        double failed = metrics.value("imagegate_alerts_failed_total{sink=\"slack\"}");

        client.post(ReviewClient.imageReview(namespace, "registry.test/" + namespace + "/vulnerable:1"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics.value("imagegate_alerts_sent_total{sink=\"slack\"}")).isEqualTo(sent + 1));
        List<LoggedRequest> attempts = attempts(namespace);
        assertThat(attempts).hasSize(3);
        assertThat(gapMillis(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(2_000);
        assertThat(gapMillis(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(2_000);
        assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"slack\"}")).isEqualTo(failed);
        assertThat(output.getOut()).doesNotContain("alert to slack failed after retries (HttpOperationFailedException): [ImageGate] denied in namespace " + namespace + ":");
    }

    @Test
    void aLongerRetryAfterIsWaitedForOnlyUpToTheLimitThenTheAlertIsDeadLetteredAfterTheLastRetry(CapturedOutput output) {
        String namespace = "slack-rate-limited-long";
        slack.stubFor(post(urlEqualTo(SLACK)).withRequestBody(containing(namespace))
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3600").withBody("rate_limited")));

        client.post(ReviewClient.imageReview(namespace, "registry.test/" + namespace + "/vulnerable:1"));

        String deadLetter = "alert to slack failed after retries (HttpOperationFailedException): [ImageGate] denied in namespace " + namespace + ":";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(output.getOut()).contains(deadLetter));
        List<LoggedRequest> attempts = attempts(namespace);
        assertThat(attempts).hasSize(3);
        assertThat(gapMillis(attempts.get(0), attempts.get(1))).isBetween(3_000L, 3_000L + 2_000L);
        assertThat(gapMillis(attempts.get(1), attempts.get(2))).isBetween(3_000L, 3_000L + 2_000L);
    }

    private static List<LoggedRequest> attempts(String namespace) {
        return slack.findAll(postRequestedFor(urlEqualTo(SLACK)).withRequestBody(containing(namespace))).stream()
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
    }

    private static long gapMillis(LoggedRequest earlier, LoggedRequest later) {
        return later.getLoggedDate().getTime() - earlier.getLoggedDate().getTime();
    }
}
