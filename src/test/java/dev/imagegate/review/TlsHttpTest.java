package dev.imagegate.review;

import dev.imagegate.server.ReviewServer;
import dev.imagegate.support.ImageGateHttpTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static dev.imagegate.support.ReviewClient.imageReview;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Real TLS handshakes against the {@code tls} profile, with certificates made by {@code deploy/gen-certs.sh}:
 * only a client holding a certificate from ImageGate's CA may ask, and rotated files are served without a
 * restart.
 */
@ImageGateHttpTest
@ActiveProfiles("tls")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsHttpTest {

    static final Path tls = tempDir("imagegate-tls-");
    static final Path issued = generate(tempDir("imagegate-ca-"));
    static final Path otherCa = generate(tempDir("imagegate-other-ca-"));

    @DynamicPropertySource
    static void tlsDir(DynamicPropertyRegistry registry) {
        install(issued);
        registry.add("imagegate.tls.dir", tls::toString);
    }

    @Autowired
    ReviewServer server;

    @LocalServerPort
    int managementPort;

    @Test
    void theApiServersClientCertificateIsAccepted() throws Exception {
        HttpResponse<String> response = post(client(issued, issued));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"allowed\":true");
    }

    @Test
    void healthStaysOnPlainHttpForProbes() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/liveness")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void aClientWithoutACertificateIsRefused() {
        assertThatThrownBy(() -> post(client(issued, null))).isInstanceOf(IOException.class);
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() {
        assertThatThrownBy(() -> post(client(issued, otherCa))).isInstanceOf(IOException.class);
    }

    @Test
    void aClientThatDoesNotTrustImageGatesCaRefusesIt() {
        assertThatThrownBy(() -> post(client(otherCa, otherCa))).isInstanceOf(IOException.class);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void rotatedCertificateFilesAreServedWithoutARestart() throws Exception {
        for (String prefix : List.of("imagegate-rotated-", "imagegate-rotated-again-")) {
            Path rotated = generate(tempDir(prefix));

            install(rotated);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(post(client(rotated, rotated)).statusCode()).isEqualTo(200));
            assertThatThrownBy(() -> post(client(issued, issued))).isInstanceOf(IOException.class);
        }
    }

    private HttpResponse<String> post(HttpClient client) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.getPort() + "/scan?timeout=30s"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(imageReview("default", "registry.test/tls/clean:1"))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A client that trusts {@code trusted}'s CA and presents {@code identity}'s client certificate, if any. */
    private static HttpClient client(Path trusted, Path identity) {
        PemSslStoreDetails keys = identity == null ? null
                : PemSslStoreDetails.forCertificate(identity.resolve("apiserver-client.crt").toUri().toString())
                        .withPrivateKey(identity.resolve("apiserver-client.key").toUri().toString());
        PemSslStoreDetails trust = PemSslStoreDetails.forCertificate(trusted.resolve("ca.crt").toUri().toString());
        SSLContext context = SslBundle.of(new PemSslStoreBundle(keys, trust)).createSslContext();
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Puts a generated set where ImageGate reads it, as a Kubernetes TLS secret names its files. */
    private static void install(Path set) {
        try {
            copy(set.resolve("server.crt"), tls.resolve("tls.crt"));
            copy(set.resolve("server.key"), tls.resolve("tls.key"));
            copy(set.resolve("ca.crt"), tls.resolve("ca.crt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Path staged = Files.copy(from, to.resolveSibling(to.getFileName() + ".new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path generate(Path dir) {
        try {
            Process script = new ProcessBuilder("deploy/gen-certs.sh", dir.toString(), "https://localhost:8443/scan")
                    .redirectErrorStream(true).start();
            String output = new String(script.getInputStream().readAllBytes());
            if (script.waitFor() != 0) {
                throw new IllegalStateException("deploy/gen-certs.sh failed: " + output);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
