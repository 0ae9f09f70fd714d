package dev.imagegate.alert;

import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.ScriptedSmtpServer;
import dev.imagegate.support.ScriptedSmtpServer.Failure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The email sink against an SMTP server failing the ways relays fail: turning connections away, never greeting,
 * a temporary (4xx) or permanent (5xx) answer at the greeting, the login, the recipient or the message. Each
 * alert is tried {@code 1 + imagegate.alerts.retries} times, then dead-lettered naming the failure, and counted;
 * the review is answered as usual. (Delivery over SMTPS and STARTTLS to a real server: {@code EmailTlsIT}.)
 */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.alerts.retries=2",
        "imagegate.alerts.retry-delay=100",
        "imagegate.alerts.email.enabled=true",
        "imagegate.alerts.email.host=127.0.0.1",
        "imagegate.alerts.email.starttls=false",
        "imagegate.alerts.email.username=imagegate",
        "imagegate.alerts.email.password=mail-pw",
        "imagegate.alerts.email.timeout=1000"})
class EmailSinkFailuresHttpTest {

    static final int ATTEMPTS = 3;
    static final ScriptedSmtpServer smtp = ScriptedSmtpServer.start();

    @DynamicPropertySource
    static void smtpServer(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.email.port", smtp::port);
    }

    @AfterAll
    static void stopSmtp() {
        smtp.close();
    }

    @Autowired
    ReviewClient client;

    @AfterEach
    void serverRecovers() {
        smtp.fail(Failure.NONE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "REFUSES_CONNECTIONS,         MailConnectException,          0",
            "NEVER_GREETS,                MessagingException,            3",
            "UNAVAILABLE_421_AT_GREETING, MessagingException,            3",
            "REJECTS_CREDENTIALS_535,     AuthenticationFailedException, 3",
            "REJECTS_RECIPIENT_550,       SendFailedException,           3",
            "DEFERS_MESSAGE_451,          SMTPSendFailedException,       3"})
    void aFailingMailServerIsRetriedThenDeadLetteredAndCounted(Failure failure, String exception, int connections,
                                                              CapturedOutput output) {
        smtp.fail(failure);
        String namespace = "mail-" + failure.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Metrics metrics = new Metrics(client);
        double failedBefore = metrics.value("imagegate_alerts_failed_total{sink=\"email\"}");
        int connectionsBefore = smtp.connections();

        review(namespace);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(output.getOut()).contains(
                "alert to email failed after retries (" + exception + "): [ImageGate] denied in namespace " + namespace + ":"));
        // At least one connection per attempt (the mail client opens a second one to retry a refused login).
        assertThat(smtp.connections() - connectionsBefore).as("connections").isGreaterThanOrEqualTo(connections);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"email\"}")).isEqualTo(failedBefore + 1));
    }

    @Test
    void aMailServerThatAcceptsGetsOneAttemptAndTheSinkIsHealthy() {
        Metrics metrics = new Metrics(client);
        double deliveredBefore = metrics.value("imagegate_alerts_sent_total{sink=\"email\"}");
        int connectionsBefore = smtp.connections();

        review("mail-accepted");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics.value("imagegate_alerts_sent_total{sink=\"email\"}")).isEqualTo(deliveredBefore + 1));
        assertThat(smtp.connections() - connectionsBefore).isEqualTo(1);
        assertThat(client.actuator("/actuator/health/alerts").body()).contains("\"status\":\"UP\"");
    }

    private void review(String namespace) {
        HttpResponse<String> answer = client.post(ReviewClient.imageReview(namespace, "registry.test/" + namespace + "/vulnerable:1"));
        assertThat(answer.statusCode()).isEqualTo(200);
    }
}
