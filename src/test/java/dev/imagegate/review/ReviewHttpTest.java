package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static dev.imagegate.support.ReviewClient.imageReview;
import static dev.imagegate.support.ReviewClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The review API over real HTTP, answered by the real routes and the test-double trivy. */
@ImageGateHttpTest
class ReviewHttpTest {

    static final TrivyDouble trivy = TestEnvironment.trivy();

    @Autowired
    ReviewClient client;

    @Test
    void answersWithAnImageReviewTheApiServerAccepts() {
        HttpResponse<String> response = client.post(imageReview("default", "registry.test/answer/clean:1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode answer = json(response.body());
        assertThat(answer.get("apiVersion").asText()).isEqualTo("imagepolicy.k8s.io/v1alpha1");
        assertThat(answer.get("kind").asText()).isEqualTo("ImageReview");
        assertThat(answer.at("/status/allowed").isBoolean()).isTrue();
        assertThat(answer.at("/status/allowed").asBoolean()).isTrue();
        assertThat(answer.at("/status/reason").isTextual()).isTrue();
        assertThat(answer.at("/status/auditAnnotations").isObject()).isTrue();
        answer.at("/status/auditAnnotations").fieldNames()
                .forEachRemaining(key -> assertThat(Decision.isValidAnnotationKey(key)).as(key).isTrue());
    }

    @Test
    void deniesAVulnerableImageNamingItsCves() {
        JsonNode status = client.review("registry.test/deny/vulnerable:1", "registry.test/deny/clean:1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).isEqualTo("registry.test/deny/vulnerable:1: denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001), "
                + "org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965), musl 1.2.4_git20230717-r4 -> "
                + "1.2.4_git20230717-r5 (CVE-2026-10002), zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004); "
                + "no fix yet: busybox (CVE-2026-10003)");
        assertThat(status.at("/auditAnnotations/denied-images").asText()).isEqualTo("registry.test/deny/vulnerable:1");
        assertThat(status.at("/auditAnnotations/highest-severity").asText()).isEqualTo("CRITICAL");
        assertThat(status.at("/images/0/vulnerabilities/0").asText()).isEqualTo("CVE-2022-22965");
        assertThat(status.at("/images/1/allowed").asBoolean()).isTrue();
    }

    @Test
    void allowsImagesWithOnlyLowerSeverities() {
        assertThat(client.review("registry.test/lower/medium:1").get("allowed").asBoolean()).isTrue();
        assertThat(client.review("registry.test/lower/nothing:1").get("allowed").asBoolean()).isTrue();
    }

    @Test
    void aReviewWithoutContainersIsAllowed() {
        JsonNode status = client.review();

        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.get("reason").asText()).isEmpty();
    }

    @Test
    void invalidReferencesAreDeniedWithoutRunningTrivy() {
        JsonNode status = client.review("registry.test/Invalid/clean:1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText())
                .isEqualTo("registry.test/Invalid/clean:1: denied: invalid image reference: repository name must be lowercase");
        assertThat(trivy.runsOf("registry.test/Invalid/clean:1")).isEmpty();
    }

    @Test
    void scanErrorsFailClosedQuotingTrivy() {
        JsonNode status = client.review("registry.test/errors/missing:1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).isEqualTo(
                "registry.test/errors/missing:1: denied: scan failed: trivy failed (exit 1): unable to find the specified image");
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "silent", "crash"})
    void unusableTrivyOutputFailsClosed(String name) {
        JsonNode status = client.review("registry.test/unusable/" + name + ":1");

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.at("/images/0/verdict").asText()).isEqualTo("SCAN_FAILED");
    }

    @Test
    void trivyGetsTheImageByDigestAsOneArgumentInAnEmptyDirectory() throws IOException {
        String image = "registry.test:5000/argv/clean:v1.2_3-rc@sha256:" + "c".repeat(64);

        client.review(image);

        assertThat(trivy.runsOf(image)).singleElement().satisfies(args -> assertThat(args).containsExactly("image",
                "--format", "json", "--quiet", "--scanners", "vuln", "--list-all-pkgs=false", "--image-src", "remote", "--timeout", "10s",
                "--cache-backend", "memory", "registry.test:5000/argv/clean@sha256:" + "c".repeat(64)));
        try (var entries = Files.list(Path.of(trivy.workingDirectoryOf(image)))) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void identicalImagesInOneReviewAreScannedOnce() {
        JsonNode status = client.review("registry.test/twice/clean:1", "registry.test/twice/clean:1");

        assertThat(status.get("images")).hasSize(1);
        assertThat(trivy.runsOf("registry.test/twice/clean:1")).hasSize(1);
    }

    @Test
    void acceptsEveryEnvelopeVariantKubeApiserverSends() {
        String v134 = "{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"metadata\":{},"
                + "\"spec\":{\"containers\":[{\"image\":\"registry.test/envelope/clean:1\"}],"
                + "\"annotations\":{\"x.image-policy.k8s.io/ticket\":\"OPS-1\"},\"namespace\":\"team\"},\"status\":{\"allowed\":false}}\n";
        String noNamespace = "{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\","
                + "\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"image\":\"registry.test/envelope/clean:1\"}]},"
                + "\"status\":{\"allowed\":false}}\n";

        for (String body : new String[] {v134, noNamespace}) {
            HttpResponse<String> response = client.post(body);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response.body()).at("/status/allowed").asBoolean()).isTrue();
        }
    }

    @Test
    void smallAnswersAreNeverGzippedWhateverTheClientAccepts() {
        HttpResponse<String> response = client.send(client.request("/scan?timeout=30s").header("Content-Type", "application/json")
                .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString(imageReview("default",
                        "registry.test/small/clean:1", "registry.test/small/nothing:1"))).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(response.headers().firstValueAsLong("Content-Length").orElseThrow())
                .isLessThan(2048).isEqualTo(response.body().length());
        assertThat(json(response.body()).at("/status/allowed").asBoolean()).isTrue();
    }

    @Test
    void largeAnswersAreGzippedForClientsThatAcceptIt() throws IOException {
        String[] images = IntStream.range(0, 20).mapToObj(i -> "registry.test/large/vulnerable:" + i).toArray(String[]::new);

        HttpResponse<byte[]> response = client.sendForBytes(client.request("/scan?timeout=30s").header("Content-Type", "application/json")
                .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString(imageReview("default", images))).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (GZIPInputStream gunzip = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            String answer = new String(gunzip.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer.length()).isGreaterThan(2048);
            assertThat(json(answer).at("/status/images")).hasSize(20);
        }
    }

    @Test
    void theReviewPortServesNoActuatorAndTheActuatorPortNoReviews() {
        HttpResponse<String> actuatorOnReviewPort = client.send(client.request("/actuator/health").GET().build());
        HttpResponse<String> reviewOnActuatorPort = client.actuator("/scan");

        assertThat(actuatorOnReviewPort.statusCode()).isEqualTo(404);
        assertThat(json(actuatorOnReviewPort.body()).get("error").asText()).startsWith("no such endpoint");
        assertThat(reviewOnActuatorPort.statusCode()).isEqualTo(404);
        assertThat(client.actuator("/actuator/health").statusCode()).isEqualTo(200);
    }

    @Test
    void acceptsAGzipRequestBody() throws IOException {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(imageReview("default", "registry.test/gzip/clean:1").getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response.body()).at("/status/allowed").asBoolean()).isTrue();
    }
}
