package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /actuator/scans} on the management port: what is cached, and evicting one image or everything. */
class ScanCacheEndpointHttpTest extends RegistryDoubleHttpTest {

    @Test
    void listsEachCachedDigestWithItsTagsVerdictAndDb() {
        String tag = "registry.test/listed/vulnerable:1";
        String digest = crane.push(tag, "vulnerable");
        client.review(tag);

        JsonNode entry = entry("registry.test/listed/vulnerable@" + digest);

        assertThat(entry.get("digest").asText()).isEqualTo(digest);
        assertThat(entry.get("tags")).extracting(JsonNode::asText).containsExactly("registry.test/listed/vulnerable:1");
        assertThat(entry.get("status").asText()).isEqualTo("scanned");
        assertThat(entry.get("allowed").asBoolean()).isFalse();
        assertThat(entry.get("verdict").asText()).startsWith("denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3");
        assertThat(entry.get("highestSeverity").asText()).isEqualTo("CRITICAL");
        assertThat(entry.at("/findings/CRITICAL").asInt()).isEqualTo(2);
        assertThat(entry.at("/findings/HIGH").asInt()).isEqualTo(3);
        assertThat(Instant.parse(entry.get("scannedAt").asText())).isBefore(Instant.now());
        assertThat(entry.get("dbUpdatedAt").asText()).endsWith("T00:00:00Z");
    }

    @Test
    void judgesInTheNamespaceAskedAbout() {
        String tag = "registry.test/listed/missing:1";
        client.review(tag);

        JsonNode strict = entry(pinned(tag), "/actuator/scans");
        JsonNode lenient = entry(pinned(tag), "/actuator/scans?namespace=lenient");

        assertThat(strict.get("status").asText()).isEqualTo("failed");
        assertThat(strict.get("allowed").asBoolean()).isFalse();
        assertThat(lenient.get("allowed").asBoolean()).isTrue();
        assertThat(lenient.get("verdict").asText()).contains("scan failed", "unable to find the specified image");
    }

    @Test
    void evictingATagForgetsItsDigestAndItsResult() {
        String tag = "registry.test/evicted/clean:1";
        client.review(tag);

        HttpResponse<String> evicted = delete("/actuator/scans/" + tag);

        assertThat(evicted.statusCode()).isEqualTo(200);
        assertThat(ReviewClient.json(evicted.body()).get("evicted")).extracting(JsonNode::asText)
                .containsExactly(tag, pinned(tag));
        assertThat(list()).noneMatch(entry -> entry.get("image").asText().equals(pinned(tag)));
        client.review(tag);
        assertThat(crane.runsFor(tag)).hasSize(2);
        assertThat(trivy.runsOf(tag)).hasSize(2);
    }

    @Test
    void evictingADigestForgetsItsResult() {
        String image = "registry.test/evicted/clean@sha256:" + "a".repeat(64);
        client.review(image);

        HttpResponse<String> evicted = delete("/actuator/scans/" + image);

        assertThat(ReviewClient.json(evicted.body()).get("evicted")).extracting(JsonNode::asText).containsExactly(image);
        client.review(image);
        assertThat(trivy.runsOf(image)).hasSize(2);
    }

    @Test
    void evictingEverythingEmptiesTheCache() {
        client.review("registry.test/evicted/clean:all");

        HttpResponse<String> evicted = delete("/actuator/scans");

        assertThat(evicted.statusCode()).isEqualTo(200);
        assertThat(ReviewClient.json(evicted.body()).get("evicted")).extracting(JsonNode::asText)
                .contains("registry.test/evicted/clean:all", pinned("registry.test/evicted/clean:all"));
        assertThat(list()).isEmpty();
    }

    @Test
    void anImageThatIsNotCachedIsNotFoundAndNonsenseIsABadRequest() {
        assertThat(delete("/actuator/scans/registry.test/never/reviewed:1").statusCode()).isEqualTo(404);
        HttpResponse<String> invalid = delete("/actuator/scans/registry.test/Not/Lowercase:1");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("repository name must be lowercase");
    }

    @Test
    void isServedOnTheManagementPortOnly() {
        assertThat(client.send(client.actuatorRequest("/actuator/scans").GET().build()).statusCode()).isEqualTo(200);
        assertThat(client.send(client.request("/actuator/scans").GET().build()).statusCode()).isEqualTo(404);
        assertThat(client.send(client.request("/actuator/scans").DELETE().build()).statusCode()).isIn(404, 405);
    }

    private static String pinned(String tag) {
        return CraneDouble.pinned(tag);
    }

    private JsonNode entry(String image) {
        return entry(image, "/actuator/scans");
    }

    private JsonNode entry(String image, String path) {
        return list(path).stream().filter(e -> e.get("image").asText().equals(image)).findFirst()
                .orElseThrow(() -> new AssertionError(image + " is not listed"));
    }

    private List<JsonNode> list() {
        return list("/actuator/scans");
    }

    private List<JsonNode> list(String path) {
        HttpResponse<String> response = client.send(client.actuatorRequest(path).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        return StreamSupport.stream(ReviewClient.json(response.body()).get("results").spliterator(), false).toList();
    }

    private HttpResponse<String> delete(String path) {
        return client.send(client.actuatorRequest(path).DELETE().build());
    }
}
