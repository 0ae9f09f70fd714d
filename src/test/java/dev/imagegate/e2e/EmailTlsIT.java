package dev.imagegate.e2e;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.Ports;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alert emails over TLS from the packaged jar, configured as an operator would: SMTPS (implicit TLS, GreenMail)
 * and SMTP with STARTTLS, each server's certificate issued by a CA that the JVM trusts through its trust store
 * (set in {@code JAVA_TOOL_OPTIONS}, as in a container). A server presenting a certificate from a CA the JVM does
 * not trust gets nothing, not even in the clear, and so does a server that stops offering STARTTLS (as when an
 * attacker on the path strips it): that alert is retried, dead-lettered and counted. Needs Java,
 * openssl (for {@code deploy/gen-certs.sh}) and the test-double trivy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailTlsIT {

    static final String PASSWORD = "mail-s3cret";
    static final String STORE_PASSWORD = "changeit";

    Path work;
    GreenMail mail;
    StartTlsRelay relay;
    SSLContext untrusted;
    ImageGateProcess smtps;
    ImageGateProcess startTls;

    @BeforeAll
    void start() throws Exception {
        work = EndToEnd.workDir("email-tls");
        Path trustedCa = generate(work.resolve("trusted"));
        Path otherCa = generate(work.resolve("other"));
        Path serverKeys = pkcs12(trustedCa, work.resolve("server.p12"));
        Path trustStore = work.resolve("trust.p12");
        EndToEnd.run(work, List.of("keytool", "-importcert", "-noprompt", "-alias", "imagegate-test-ca", "-file",
                trustedCa.resolve("ca.crt").toString(), "-keystore", trustStore.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD));
        untrusted = sslContext(pkcs12(otherCa, work.resolve("other-server.p12")));

        // GreenMail's SMTPS presents the certificate our CA issued.
        System.setProperty("greenmail.tls.keystore.file", serverKeys.toString());
        System.setProperty("greenmail.tls.keystore.password", STORE_PASSWORD);
        ServerSetup plain = new ServerSetup(Ports.free(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        ServerSetup implicitTls = new ServerSetup(Ports.free(), "127.0.0.1", ServerSetup.PROTOCOL_SMTPS);
        mail = new GreenMail(new ServerSetup[] {plain, implicitTls})
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("imagegate", PASSWORD));
        mail.start();
        relay = StartTlsRelay.start(plain.getPort(), sslContext(serverKeys));

        Map<String, String> trustingTheCa = Map.of("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + trustStore
                + " -Djavax.net.ssl.trustStorePassword=" + STORE_PASSWORD + " -Djavax.net.ssl.trustStoreType=PKCS12");
        smtps = ImageGateProcess.start("imagegate-smtps", email("smtps", implicitTls.getPort(), false), trustingTheCa, work);
        startTls = ImageGateProcess.start("imagegate-starttls", email("smtp", relay.port(), true), trustingTheCa, work);
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(smtps, startTls, relay, mail == null ? null : mail::stop);
    }

    @Test
    void smtpsDeliversToAServerWhoseCertificateTheJvmTrusts() {
        deny(smtps, "over-smtps");

        assertThat(await().atMost(Duration.ofSeconds(30)).until(() -> mailAbout("over-smtps"), m -> m != null)).isNotNull();
    }

    @Test
    void startTlsDeliversAndAnUntrustedCertificateOrAStrippedStartTlsGetsNothing() {
        Metrics metrics = new Metrics(startTls.managementPort());
        deny(startTls, "over-starttls");
        await().atMost(Duration.ofSeconds(30)).until(() -> mailAbout("over-starttls") != null);

        relay.presentCertificate(untrusted);
        deny(startTls, "untrusted-relay");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(startTls.log()).contains(
                "alert to email failed after retries (MessagingException): [ImageGate] denied in namespace untrusted-relay"));
        assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"email\"}")).isEqualTo(1);
        assertThat(mailAbout("untrusted-relay")).isNull();
        assertThat(startTls.log()).doesNotContain(PASSWORD);

        relay.stripStartTls();
        deny(startTls, "stripped-starttls");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(startTls.log()).contains(
                "alert to email failed after retries (MessagingException): [ImageGate] denied in namespace stripped-starttls"));
        assertThat(metrics.value("imagegate_alerts_failed_total{sink=\"email\"}")).isEqualTo(2);
        assertThat(mailAbout("stripped-starttls")).as("nothing sent in the clear").isNull();
    }

    private Map<String, String> email(String protocol, int port, boolean startTls) {
        return Map.ofEntries(
                Map.entry("imagegate.trivy.command", TrivyDouble.COMMAND),
                Map.entry("imagegate.crane.command", CraneDouble.COMMAND),
                Map.entry("imagegate.alerts.retries", "1"),
                Map.entry("imagegate.alerts.retry-delay", "200"),
                Map.entry("imagegate.alerts.email.enabled", "true"),
                Map.entry("imagegate.alerts.email.protocol", protocol),
                Map.entry("imagegate.alerts.email.host", "127.0.0.1"),
                Map.entry("imagegate.alerts.email.port", String.valueOf(port)),
                Map.entry("imagegate.alerts.email.starttls", String.valueOf(startTls)),
                Map.entry("imagegate.alerts.email.username", "imagegate"),
                Map.entry("imagegate.alerts.email.password", PASSWORD),
                Map.entry("imagegate.alerts.email.timeout", "5000"),
                Map.entry("imagegate.alerts.email.from", "imagegate@example.test"),
                Map.entry("imagegate.alerts.email.to", "security@example.test"));
    }

    private static void deny(ImageGateProcess imageGate, String namespace) {
        ReviewClient client = imageGate.client();
        assertThat(client.post(ReviewClient.imageReview(namespace, "registry.test/" + namespace + "/vulnerable:1")).statusCode())
                .isEqualTo(200);
    }

    private MimeMessage mailAbout(String namespace) {
        return Arrays.stream(mail.getReceivedMessages()).filter(message -> {
            try {
                return message.getSubject().contains("namespace " + namespace + ":");
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).findFirst().orElse(null);
    }

    /** A CA and a server certificate for 127.0.0.1, made by the project's own deploy/gen-certs.sh. */
    private static Path generate(Path dir) {
        EndToEnd.run(EndToEnd.PROJECT, List.of("deploy/gen-certs.sh", dir.toString(), "https://127.0.0.1:8443/scan"));
        return dir;
    }

    private static Path pkcs12(Path certificates, Path keyStore) {
        EndToEnd.run(certificates, List.of("openssl", "pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key",
                "-name", "server", "-out", keyStore.toString(), "-passout", "pass:" + STORE_PASSWORD));
        return keyStore;
    }

    private static SSLContext sslContext(Path keyStore) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, STORE_PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }
}
