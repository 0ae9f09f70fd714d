package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A tag re-pushed with another image is judged on the new image within the tag TTL plus one scan, the answer
 * names the digest judged, the move is counted, and the old image by digest is still the old image.
 */
class TagMoveHttpTest extends RegistryDoubleHttpTest {

    /** The tag TTL, one scan of the test double and a loaded machine's slack. */
    static final Duration MOVE_NOTICED_WITHIN = TAG_TTL.plusSeconds(5);

    @Test
    void aTagRePushedWithTheFixIsAllowedOnceItsTtlHasPassed() {
        String tag = "registry.test/moves/fixed:1";
        String vulnerable = crane.push(tag, "vulnerable");
        JsonNode before = client.review(tag);
        assertThat(before.get("allowed").asBoolean()).isFalse();
        assertThat(before.at("/images/0/digest").asText()).isEqualTo(vulnerable);
        assertThat(before.at("/auditAnnotations/image-digests").asText()).isEqualTo(tag + "@" + vulnerable);

        String fixed = crane.push(tag, "clean");

        await().atMost(MOVE_NOTICED_WITHIN).untilAsserted(() ->
                assertThat(client.review(tag).get("allowed").asBoolean()).isTrue());
        JsonNode after = client.review(tag);
        assertThat(after.at("/images/0/digest").asText()).isEqualTo(fixed);
        assertThat(after.at("/auditAnnotations/image-digests").asText()).isEqualTo(tag + "@" + fixed);
    }

    @Test
    void aTagRePushedWithAVulnerableImageIsDeniedWithinItsTtlAndTheMoveIsCounted() {
        String tag = "registry.test/moves/regressed:1";
        crane.push(tag, "clean");
        assertThat(client.review(tag).get("allowed").asBoolean()).isTrue();
        double movesBefore = tagMoves();

        long pushed = System.nanoTime();
        String vulnerable = crane.push(tag, "vulnerable");

        await().atMost(MOVE_NOTICED_WITHIN).untilAsserted(() ->
                assertThat(client.review(tag).get("allowed").asBoolean()).isFalse());
        Duration noticed = Duration.ofNanos(System.nanoTime() - pushed);
        JsonNode after = client.review(tag);
        assertThat(after.get("reason").asText()).contains("CVE-2022-22965");
        assertThat(after.at("/images/0/digest").asText()).isEqualTo(vulnerable);
        assertThat(noticed).isLessThan(MOVE_NOTICED_WITHIN);
        assertThat(tagMoves()).isGreaterThan(movesBefore);
    }

    @Test
    void theOldImageByDigestIsStillJudgedAsTheOldImage() {
        String tag = "registry.test/moves/pinned:1";
        String vulnerable = crane.push(tag, "vulnerable");
        client.review(tag);
        crane.push(tag, "clean");
        await().atMost(MOVE_NOTICED_WITHIN).untilAsserted(() ->
                assertThat(client.review(tag).get("allowed").asBoolean()).isTrue());

        JsonNode old = client.review("registry.test/moves/pinned@" + vulnerable);

        assertThat(old.get("allowed").asBoolean()).isFalse();
        assertThat(old.get("reason").asText()).contains("CVE-2022-22965");
        assertThat(old.at("/images/0/digest").asText()).isEqualTo(vulnerable);
        assertThat(trivy.runsOf("registry.test/moves/pinned@" + vulnerable)).hasSize(1);
    }

    @Test
    void digestReferencesAreNeverLookedUp() {
        String image = "registry.test/moves/bydigest@sha256:" + "e".repeat(64);

        client.review(image);
        client.review(image);

        assertThat(crane.runsFor("registry.test/moves/bydigest:latest")).isEmpty();
        assertThat(trivy.runsOf(image)).hasSize(1);
    }

    @Test
    void reviewsOfANewTagShareOneLookup() throws Exception {
        String tag = "registry.test/moves/herd:1";
        crane.push(tag, "clean", 1.0);
        ExecutorService apiServers = Executors.newFixedThreadPool(30);
        try {
            List<Callable<JsonNode>> reviews = IntStream.range(0, 30).<Callable<JsonNode>>mapToObj(i -> () -> client.review(tag)).toList();
            for (Future<JsonNode> answer : apiServers.invokeAll(reviews)) {
                assertThat(answer.get().get("allowed").asBoolean()).isTrue();
            }
        } finally {
            apiServers.shutdownNow();
        }
        assertThat(crane.runsFor(tag)).hasSize(1);
    }

    private double tagMoves() {
        Matcher moves = Pattern.compile("(?m)^imagegate_tag_moves_total (\\S+)$").matcher(metrics());
        assertThat(moves.find()).as("imagegate_tag_moves_total is exported").isTrue();
        return Double.parseDouble(moves.group(1));
    }
}
