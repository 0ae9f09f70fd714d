package dev.imagegate.review;

import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static dev.imagegate.support.ReviewClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Anything a client sends that is not an ImageReview gets a 4xx with a JSON error, never a 5xx or a trace. */
@ImageGateHttpTest
class BadInputHttpTest {

    private static final String ENVELOPE = "\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\"";

    @Autowired
    ReviewClient client;

    static Stream<Arguments> badReviews() {
        return Stream.of(
                arguments("not JSON", "hello", "request body is not valid JSON"),
                arguments("empty body", "", "request body is empty"),
                arguments("not an object", "[]", "request body must be a JSON object"),
                arguments("missing kind", "{\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"spec\":{}}", "kind must be \"ImageReview\""),
                arguments("wrong kind", "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"spec\":{}}", "kind must be"),
                arguments("wrong apiVersion", "{\"kind\":\"ImageReview\",\"apiVersion\":\"v1\",\"spec\":{}}", "apiVersion must be"),
                arguments("spec not an object", "{" + ENVELOPE + ",\"spec\":\"x\"}", "spec must be an object"),
                arguments("containers not a list", "{" + ENVELOPE + ",\"spec\":{\"containers\":{}}}", "spec.containers must be a list"),
                arguments("image not a string", "{" + ENVELOPE + ",\"spec\":{\"containers\":[{\"image\":true}]}}", "spec.containers[0].image must be a string"),
                arguments("deep nesting", "{" + ENVELOPE + ",\"spec\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "request body is not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badReviews")
    void badReviewsGet400NamingTheProblem(String name, String body, String error) {
        HttpResponse<String> response = client.post(body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(json(response.body()).get("error").asText()).contains(error);
    }

    @Test
    void bodiesOverOneMebibyteGet413() {
        String huge = "{" + ENVELOPE + ",\"spec\":{\"namespace\":\"" + "x".repeat(1024 * 1024) + "\"}}";

        HttpResponse<String> response = client.post(huge);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response.body()).get("error").asText()).contains("larger than 1048576 bytes");
    }

    @Test
    void aSmallGzipBombGets413() throws IOException {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bomb)) {
            byte[] zeros = new byte[1024 * 1024];
            for (int i = 0; i < 64; i++) {
                gzip.write(zeros);
            }
        }

        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bomb.toByteArray())).build());

        assertThat(bomb.size()).isLessThan(1024 * 1024);
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void aBodyThatIsNotGzipDespiteItsHeaderGets400() {
        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).get("error").asText()).isEqualTo("request body is not valid gzip");
    }

    @Test
    void unsupportedContentEncodingsGet415() {
        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Encoding", "br")
                .POST(HttpRequest.BodyPublishers.ofString("{}", StandardCharsets.UTF_8)).build());

        assertThat(response.statusCode()).isEqualTo(415);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"})
    void bodiesThatAreNotJsonGet415(String contentType) {
        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"ImageReview\"}")).build());

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(json(response.body()).get("error").asText()).startsWith("Content-Type must be application/json");
    }

    @Test
    void aClientThatStallsItsBodyGets408AndHasItsConnectionClosed() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", client.reviewPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /scan HTTP/1.1\r\nHost: imagegate\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"kind\":")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 408").contains("request body not received within 3 s");
        }
    }

    @Test
    void oversizedHeadersAreRefused() {
        HttpResponse<String> response = client.send(client.request("/scan").header("Content-Type", "application/json")
                .header("X-Padding", "x".repeat(32 * 1024)).POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(response.statusCode()).as("Request Header Fields Too Large").isEqualTo(431);
        assertThat(response.body()).doesNotContain("Exception", "at org.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void onlyPostIsAllowed(String method) {
        HttpResponse<String> response = client.send(client.request("/scan")
                .method(method, HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.body()).doesNotContain("Exception", "at org.");
    }
}
