package dev.imagegate.alert;

import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.SilentServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every sink at once where nobody answers: the webhook's port refuses connections, Slack's host name does not
 * resolve, and the SMTP server accepts and never greets. Reviews are answered as usual; each sink's alert is
 * retried, dead-lettered and counted; the {@code alerts} health component names the failing sinks without
 * touching readiness.
 */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.alerts.retries=2",
        "imagegate.alerts.retry-delay=100",
        "camel.component.http.connect-timeout=1000",
        "imagegate.alerts.webhook.enabled=true",
        "imagegate.alerts.slack.enabled=true",
        "imagegate.alerts.slack.webhook-url=http://hooks.slack.invalid/services/T000/B000/XXXX",
        "imagegate.alerts.email.enabled=true",
        "imagegate.alerts.email.host=127.0.0.1",
        "imagegate.alerts.email.timeout=500"})
class UnreachableSinksHttpTest {

    static final SilentServer smtp = SilentServer.start();

    @DynamicPropertySource
    static void sinks(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.webhook.url", () -> "http://127.0.0.1:" + Ports.free() + "/hooks/imagegate");
        registry.add("imagegate.alerts.email.port", smtp::port);
    }

    @AfterAll
    static void stopSmtp() {
        smtp.close();
    }

    @Autowired
    ReviewClient client;

    @Test
    void reviewsAreAnsweredWhileEverySinkFailsAndEachFailureIsDeadLetteredCountedAndInHealth(CapturedOutput output) {
        Metrics metrics = new Metrics(client);

        for (int i = 0; i < 5; i++) {
            long started = System.nanoTime();
            HttpResponse<String> answer = client.post(ReviewClient.imageReview("nobody-" + i, "registry.test/nobody/vulnerable:1"));
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("review " + i).isLessThan(Duration.ofSeconds(3));
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"webhook\"}")).isEqualTo(5);
            assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"slack\"}")).isEqualTo(5);
            assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"email\"}")).isEqualTo(5);
        });
        assertThat(output.getOut()).contains(
                "alert to webhook failed after retries (HttpHostConnectException): [ImageGate] denied in namespace nobody-0",
                "alert to slack failed after retries (UnknownHostException): [ImageGate] denied in namespace nobody-0",
                "alert to email failed after retries (MessagingException): [ImageGate] denied in namespace nobody-0");
        assertThat(smtp.connections()).as("SMTP connections: one per attempt").isGreaterThanOrEqualTo(5 * 3);
        String health = client.actuator("/actuator/health").body();
        assertThat(ReviewClient.json(health).at("/status").asText()).isEqualTo("UP");
        assertThat(ReviewClient.json(health).at("/components/alerts/status").asText()).isEqualTo("UNKNOWN");
        assertThat(client.actuator("/actuator/health/readiness").statusCode()).isEqualTo(200);
    }
}
