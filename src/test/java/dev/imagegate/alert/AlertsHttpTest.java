package dev.imagegate.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Decisions forwarded to a real SMTP server (GreenMail) and to real HTTP endpoints (WireMock) standing in
 * for a JSON webhook and a Slack incoming webhook; failing and hanging sinks never touch admission.
 */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.alerts.retries=2",
        "imagegate.alerts.retry-delay=100",
        "camel.component.http.response-timeout=1000",
        "camel.component.http.so-timeout=1000",
        "imagegate.alerts.webhook.enabled=true",
        "imagegate.alerts.slack.enabled=true",
        "imagegate.alerts.email.enabled=true",
        "imagegate.alerts.email.host=127.0.0.1",
        "imagegate.alerts.email.username=imagegate",
        "imagegate.alerts.email.password=" + AlertsHttpTest.MAIL_PASSWORD,
        "imagegate.alerts.email.starttls=false",
        "imagegate.alerts.email.from=imagegate@example.test",
        "imagegate.alerts.email.to=security@example.test,oncall@example.test"})
class AlertsHttpTest {

    static final String MAIL_PASSWORD = "mail-s3cret-pw";
    static final String WEBHOOK_TOKEN = "hook-s3cret-token";
    static final String POLICY = """
            namespaces:
              overrides:
                audited: {mode: audit}
                lenient: {onScanError: allow}
            breakGlass:
              namespaces: [prod]
            """;

    /** A free port rather than GreenMail's fixed 3025. */
    static final ServerSetup SMTP = new ServerSetup(Ports.free(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(SMTP)
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("imagegate", MAIL_PASSWORD))
            .withPerMethodLifecycle(false);

    @RegisterExtension
    static final WireMockExtension http = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void sinks(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.webhook.url", () -> http.baseUrl() + "/hooks/" + WEBHOOK_TOKEN);
        registry.add("imagegate.alerts.slack.webhook-url", () -> http.baseUrl() + "/services/T000/B000/" + WEBHOOK_TOKEN);
        registry.add("imagegate.policy.file", AlertsHttpTest::policyFile);
        registry.add("imagegate.alerts.email.port", SMTP::getPort);
    }

    @Autowired
    ReviewClient client;

    @BeforeEach
    void sinksAnswer() {
        http.stubFor(post(urlEqualTo("/hooks/" + WEBHOOK_TOKEN)).willReturn(aResponse().withStatus(200)));
        http.stubFor(post(urlEqualTo("/hooks/" + WEBHOOK_TOKEN)).withRequestBody(containing("\"namespace\":\"failing\""))
                .willReturn(aResponse().withStatus(500)));
        http.stubFor(post(urlEqualTo("/hooks/" + WEBHOOK_TOKEN)).withRequestBody(containing("\"namespace\":\"hanging\""))
                .willReturn(aResponse().withStatus(200).withFixedDelay(5000)));
        http.stubFor(post(urlEqualTo("/services/T000/B000/" + WEBHOOK_TOKEN)).willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    @Test
    void aDenialIsEmailedWithItsFixes() throws Exception {
        review("mail", "registry.test/mail/vulnerable:1", "registry.test/mail/clean:1");

        MimeMessage message = await().atMost(Duration.ofSeconds(10)).until(() -> mailAbout("mail"), m -> m != null);

        assertThat(message.getSubject()).isEqualTo("[ImageGate] denied in namespace mail: registry.test/mail/vulnerable:1");
        assertThat(Arrays.stream(message.getRecipients(Message.RecipientType.TO)).map(Object::toString))
                .containsExactly("security@example.test", "oncall@example.test");
        assertThat(message.getFrom()[0].toString()).isEqualTo("imagegate@example.test");
        String body = GreenMailUtil.getBody(message).replace("\r\n", "\n");
        assertThat(body).contains("Denied (mode enforce)", "in namespace mail.",
                "\nregistry.test/mail/vulnerable:1: denied: 2 CRITICAL, 3 HIGH at or above HIGH\n"
                        + "  Upgrade:\n"
                        + "    libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001)\n"
                        + "    org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965)\n"
                        + "    musl 1.2.4_git20230717-r4 -> 1.2.4_git20230717-r5 (CVE-2026-10002)\n"
                        + "    zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004)\n"
                        + "  No fix yet:\n"
                        + "    busybox 1.36.1-r15 (CVE-2026-10003)\n",
                "Also in the pod, admitted: registry.test/mail/clean:1");
        assertThat(body.split("registry.test/mail/vulnerable:1", -1)).as("the image named in the title and once in the body")
                .hasSize(3);
    }

    @Test
    void theWebhookGetsTheAlertAsJson() {
        review("hook", "registry.test/hook/vulnerable:1", "registry.test/hook/clean:1");

        JsonNode alert = ReviewClient.json(await().atMost(Duration.ofSeconds(10))
                .until(() -> webhookBodyAbout("hook"), body -> body != null));

        assertThat(alert.get("kind").asText()).isEqualTo("denied");
        assertThat(alert.get("namespace").asText()).isEqualTo("hook");
        assertThat(alert.get("images")).hasSize(2);
        assertThat(alert.at("/verdicts/0/findings/0/vulnerabilityId").asText()).isEqualTo("CVE-2022-22965");
        assertThat(alert.at("/verdicts/0/findings/0/fixedVersion").asText()).isEqualTo("5.3.18, 5.2.20");
        assertThat(alert.at("/verdicts/0/fixes/1/package").asText()).isEqualTo("org.springframework:spring-beans");
        assertThat(alert.at("/verdicts/0/fixes/1/installed").asText()).isEqualTo("5.3.15");
        assertThat(alert.at("/verdicts/0/fixes/1/fixed").asText()).isEqualTo("5.3.18");
        assertThat(alert.at("/verdicts/0/fixes/1/vulnerabilities/0").asText()).isEqualTo("CVE-2022-22965");
        assertThat(alert.at("/verdicts/0/unfixed/0/package").asText()).isEqualTo("busybox");
        assertThat(alert.at("/verdicts/0").has("summary")).isFalse();
        assertThat(alert.at("/verdicts/1/allowed").asBoolean()).isTrue();
        assertThat(alert.at("/verdicts/1").has("fixes")).isFalse();
    }

    @Test
    void slackGetsBlockKitSections(CapturedOutput output) {
        review("chat", "registry.test/chat/vulnerable:1", "registry.test/chat/clean:1");

        String body = await().atMost(Duration.ofSeconds(10)).until(() -> http.findAll(postRequestedFor(
                urlEqualTo("/services/T000/B000/" + WEBHOOK_TOKEN))).stream().map(LoggedRequest::getBodyAsString)
                .filter(b -> b.contains("namespace chat")).findFirst().orElse(null), b -> b != null);

        JsonNode slack = ReviewClient.json(body);
        assertThat(slack.get("text").asText()).isEqualTo("[ImageGate] denied in namespace chat: registry.test/chat/vulnerable:1");
        assertThat(slack.get("channel").asText()).isEqualTo("#imagegate");
        assertThat(slack.get("blocks")).extracting(block -> block.get("type").asText()).containsExactly("header", "section", "context");
        assertThat(slack.at("/blocks/0/text/text").asText()).isEqualTo("ImageGate: denied in namespace chat");
        assertThat(slack.at("/blocks/1/text/type").asText()).isEqualTo("mrkdwn");
        assertThat(slack.at("/blocks/1/text/text").asText()).isEqualTo("*registry.test/chat/vulnerable:1*\n"
                + "denied: 2 CRITICAL, 3 HIGH at or above HIGH\n"
                + "*Upgrade*\n"
                + "• libcrypto3 3.1.4-r5 -&gt; 3.1.7-r1 (CVE-2026-10001)\n"
                + "• org.springframework:spring-beans 5.3.15 -&gt; 5.3.18 (CVE-2022-22965)\n"
                + "• musl 1.2.4_git20230717-r4 -&gt; 1.2.4_git20230717-r5 (CVE-2026-10002)\n"
                + "• zlib 1.3.1-r0 -&gt; 1.3.1-r1 (CVE-2026-10004)\n"
                + "*No fix yet*\n"
                + "• busybox 1.36.1-r15 (CVE-2026-10003)");
        assertThat(slack.at("/blocks/2/elements/0/text").asText()).startsWith("namespace *chat* · mode enforce · denied at ")
                .endsWith(" · also in the pod, admitted: registry.test/chat/clean:1");
        assertThat(output.getOut()).contains("[ImageGate] denied in namespace chat: registry.test/chat/vulnerable:1: denied: "
                + "2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3");
    }

    @Test
    void theSamePodSpecAlertsOncePerWindow() throws Exception {
        review("retry", "registry.test/retry/vulnerable:1");
        review("retry", "registry.test/retry/vulnerable:1");
        review("retry", "registry.test/retry/vulnerable:1");
        review("retry-other", "registry.test/retry/vulnerable:1");

        await().atMost(Duration.ofSeconds(10)).until(() -> mailAbout("retry-other") != null);
        Thread.sleep(500);
        // GreenMail keeps a copy per recipient: count distinct messages.
        assertThat(Arrays.stream(smtp.getReceivedMessages()).filter(m -> subject(m).contains("namespace retry:"))
                .map(AlertsHttpTest::messageId).distinct()).hasSize(1);
    }

    @Test
    void eachOutcomeSaysWhatHappened() {
        review("audited", "registry.test/kinds/vulnerable:1");
        reviewWithAnnotations("prod", "{\"ops.image-policy.k8s.io/break-glass\":\"INC-77\"}", "registry.test/kinds/vulnerable:2");
        review("lenient", "registry.test/kinds/missing:1");

        assertThat(ReviewClient.json(await().atMost(Duration.ofSeconds(10)).until(() -> webhookBodyAbout("audited"), b -> b != null))
                .get("kind").asText()).isEqualTo("audit");
        JsonNode breakGlass = ReviewClient.json(await().atMost(Duration.ofSeconds(10)).until(() -> webhookBodyAbout("prod"), b -> b != null));
        assertThat(breakGlass.get("kind").asText()).isEqualTo("break-glass");
        assertThat(breakGlass.get("allowed").asBoolean()).isTrue();
        JsonNode failure = ReviewClient.json(await().atMost(Duration.ofSeconds(10)).until(() -> webhookBodyAbout("lenient"), b -> b != null));
        assertThat(failure.get("kind").asText()).isEqualTo("scan-failure");
        assertThat(failure.at("/verdicts/0/reason").asText()).contains("unable to find the specified image");
    }

    @Test
    void aFailingSinkIsRetriedThenDeadLetteredWithoutSlowingAdmission(CapturedOutput output) {
        long started = System.nanoTime();
        review("failing", "registry.test/failing/vulnerable:1");
        review("hanging", "registry.test/hanging/vulnerable:1");
        review("failing", "registry.test/failing/vulnerable:2");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(Duration.ofSeconds(3));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(output.getOut()).contains("alert to webhook failed after retries (HttpOperationFailedException): "
                    + "[ImageGate] denied in namespace failing");
            assertThat(output.getOut()).contains("alert to webhook failed after retries (SocketTimeoutException): "
                    + "[ImageGate] denied in namespace hanging");
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(webhookRequestsAbout("failing")).isEqualTo(2 * 3));
        assertThat(mailAbout("failing")).isNotNull();
    }

    @Test
    void noSecretReachesTheLog(CapturedOutput output) {
        review("secrets", "registry.test/secrets/vulnerable:1");
        review("failing", "registry.test/secrets/vulnerable:9");

        await().atMost(Duration.ofSeconds(30)).until(() -> output.getOut().contains("namespace failing: registry.test/secrets/vulnerable:9"));
        assertThat(output.getAll()).doesNotContain(MAIL_PASSWORD, WEBHOOK_TOKEN);
    }

    private void review(String namespace, String... images) {
        HttpResponse<String> response = client.post(ReviewClient.imageReview(namespace, images));
        assertThat(response.statusCode()).isEqualTo(200);
    }

    private void reviewWithAnnotations(String namespace, String annotations, String image) {
        HttpResponse<String> response = client.post("{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\","
                + "\"spec\":{\"containers\":[{\"image\":\"" + image + "\"}],\"annotations\":" + annotations
                + ",\"namespace\":\"" + namespace + "\"}}");
        assertThat(response.statusCode()).isEqualTo(200);
    }

    private MimeMessage mailAbout(String namespace) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(m -> subject(m).contains("namespace " + namespace + ":"))
                .findFirst().orElse(null);
    }

    private String webhookBodyAbout(String namespace) {
        return webhookBodies().stream().filter(body -> body.contains("\"namespace\":\"" + namespace + "\"")).findFirst().orElse(null);
    }

    private long webhookRequestsAbout(String namespace) {
        return webhookBodies().stream().filter(body -> body.contains("\"namespace\":\"" + namespace + "\"")).count();
    }

    private List<String> webhookBodies() {
        return http.findAll(postRequestedFor(urlEqualTo("/hooks/" + WEBHOOK_TOKEN))).stream().map(LoggedRequest::getBodyAsString).toList();
    }

    private static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String messageId(MimeMessage message) {
        try {
            return message.getMessageID();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String policyFile() {
        try {
            return Files.writeString(Files.createTempFile("alerts-policy-", ".yaml"), POLICY).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
