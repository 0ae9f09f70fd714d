package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tags that move, with the real crane asking the loopback registry and the real trivy scanning: a tag
 * re-pushed with another image is judged on that image within the tag TTL plus one scan, the answer names
 * the digest judged, and the old image by digest is still judged as the old image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TagMoveEndToEndIT {

    static final Duration TAG_TTL = Duration.ofSeconds(5);

    EndToEnd.Tools tools;
    LocalRegistry registry;
    ImageGateProcess imageGate;
    ReviewClient client;

    @BeforeAll
    void start() throws Exception {
        tools = EndToEnd.tools();
        Path work = EndToEnd.workDir("tag-move");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.put("imagegate.cache.tag-ttl", TAG_TTL.toSeconds() + "s");
        imageGate = ImageGateProcess.start("imagegate-tag-move", properties, work);
        client = imageGate.client();
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(imageGate, registry);
    }

    @Test
    void aTagRePushedWithTheFixIsAllowedAfterItsTtlAndItsOldDigestStaysDenied() throws Exception {
        TestImage vulnerable = vulnerable("e2e/moving-fixed");
        String tag = registry.reference(vulnerable, "1.0");
        String vulnerableDigest = registry.push(vulnerable, "1.0");
        long scanStarted = System.nanoTime();
        JsonNode before = review(tag);
        Duration scan = Duration.ofNanos(System.nanoTime() - scanStarted);
        assertThat(before.get("allowed").asBoolean()).as(before.toString()).isFalse();
        assertThat(before.at("/images/0/digest").asText()).isEqualTo(vulnerableDigest);

        long pushed = System.nanoTime();
        String cleanDigest = registry.push(clean("e2e/moving-fixed"), "1.0");
        JsonNode after = awaitAllowed(tag, true, scan);
        Duration noticed = Duration.ofNanos(System.nanoTime() - pushed);

        assertThat(cleanDigest).isNotEqualTo(vulnerableDigest);
        assertThat(after.at("/images/0/digest").asText()).isEqualTo(cleanDigest);
        assertThat(after.at("/auditAnnotations/image-digests").asText()).isEqualTo(tag + "@" + cleanDigest);
        System.out.printf("tag move noticed %d ms after the push (tag TTL %d s, first scan %d ms)%n",
                noticed.toMillis(), TAG_TTL.toSeconds(), scan.toMillis());

        String oldImage = registry.reference(vulnerable, vulnerableDigest);
        JsonNode old = review(oldImage);
        assertThat(old.get("allowed").asBoolean()).as(old.toString()).isFalse();
        assertThat(old.get("reason").asText()).contains(oldImage, "CVE-2024-6119");
    }

    @Test
    void aTagRePushedWithAVulnerableImageIsDeniedWithinItsTtlPlusOneScan() throws Exception {
        TestImage clean = clean("e2e/moving-regressed");
        String tag = registry.reference(clean, "1.0");
        String cleanDigest = registry.push(clean, "1.0");
        long scanStarted = System.nanoTime();
        assertThat(review(tag).get("allowed").asBoolean()).isTrue();
        Duration scan = Duration.ofNanos(System.nanoTime() - scanStarted);

        long pushed = System.nanoTime();
        String vulnerableDigest = registry.push(vulnerable("e2e/moving-regressed"), "1.0");
        JsonNode after = awaitAllowed(tag, false, scan);
        Duration noticed = Duration.ofNanos(System.nanoTime() - pushed);

        assertThat(after.get("reason").asText()).contains("CVE-2024-6119");
        assertThat(after.at("/images/0/digest").asText()).isEqualTo(vulnerableDigest).isNotEqualTo(cleanDigest);
        System.out.printf("tag move noticed %d ms after the push (tag TTL %d s, first scan %d ms)%n",
                noticed.toMillis(), TAG_TTL.toSeconds(), scan.toMillis());
    }

    /**
     * Reviews the tag until it is judged {@code allowed}: within the tag TTL plus one scan (the first scan's
     * time, twice, for a loaded machine) plus the reviews' own round trips.
     */
    private JsonNode awaitAllowed(String tag, boolean allowed, Duration scan) {
        Duration bound = TAG_TTL.plus(scan.multipliedBy(2)).plusSeconds(5);
        return await().atMost(bound).pollInterval(Duration.ofMillis(250))
                .until(() -> review(tag), status -> status.get("allowed").asBoolean() == allowed);
    }

    private JsonNode review(String image) {
        return client.review(image);
    }

    /** The suite's vulnerable and clean Alpine images, pushed to another repository. */
    private static TestImage vulnerable(String repository) {
        return new TestImage(repository, ScanEndToEndIT.ALPINE_VULNERABLE.files());
    }

    private static TestImage clean(String repository) {
        return new TestImage(repository, ScanEndToEndIT.ALPINE_CLEAN.files());
    }
}
