package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the registry cannot say what a tag points to (down, refusing, too slow, no such tag): within the grace
 * the digest it last confirmed is judged; after it, or without one, the image is a scan error and the
 * policy's onScanError decides. A registry that refuses anonymous lookups gets trivy's credentials.
 */
@ExtendWith(OutputCaptureExtension.class)
class TagLookupFailureHttpTest extends RegistryDoubleHttpTest {

    static final String REGISTRY_DOWN = "Get \"https://registry.test/v2/\": dial tcp 10.0.0.7:443: connect: connection refused";

    @Test
    void withinTheGraceTheDigestLastConfirmedIsJudged() {
        String tag = "registry.test/lookups/blip:1";
        String vulnerable = crane.push(tag, "vulnerable");
        client.review(tag);
        crane.failLookups(tag, REGISTRY_DOWN);
        int lookups = crane.runsFor(tag).size();

        // Reviews past the tag TTL make ImageGate ask the registry again, which now fails.
        await().atMost(TAG_TTL.plusSeconds(5)).until(() -> {
            client.review(tag);
            return crane.runsFor(tag).size() > lookups;
        });
        JsonNode status = client.review(tag);

        assertThat(status.get("reason").asText()).contains("CVE-2022-22965").doesNotContain("scan failed");
        assertThat(status.at("/images/0/digest").asText()).isEqualTo(vulnerable);
        assertThat(metrics()).contains("imagegate_tag_lookups_total{outcome=\"remembered\"}");
    }

    @Test
    void afterTheGraceTheImageIsAScanErrorAndOnScanErrorDecides() {
        String tag = "registry.test/lookups/outage:1";
        crane.push(tag, "clean");
        // No later than the registry's confirmation, which happens during this review (before its scan).
        long confirmed = System.nanoTime();
        assertThat(client.review(tag).get("allowed").asBoolean()).isTrue();
        crane.failLookups(tag, REGISTRY_DOWN);

        await().atMost(TAG_GRACE.plus(TAG_TTL).plusSeconds(5)).untilAsserted(() ->
                assertThat(client.review(tag).get("allowed").asBoolean()).isFalse());
        JsonNode denied = client.review(tag);
        JsonNode lenient = review("lenient", tag);

        assertThat(Duration.ofNanos(System.nanoTime() - confirmed)).isGreaterThanOrEqualTo(TAG_GRACE);
        assertThat(denied.get("reason").asText()).isEqualTo(tag + ": denied: scan failed: registry lookup failed: "
                + "10.0.0.7:443 refused the connection");
        assertThat(denied.at("/images/0/verdict").asText()).isEqualTo("SCAN_FAILED");
        assertThat(denied.at("/images/0/digest").isMissingNode()).isTrue();
        assertThat(lenient.get("allowed").asBoolean()).isTrue();
        assertThat(lenient.at("/images/0/verdict").asText()).isEqualTo("SCAN_FAILED");
    }

    @Test
    void aTagNeverLookedUpIsAScanErrorAtOnceAndNeverScanned() {
        String tag = "registry.test/lookups/gone:1";
        crane.failLookups(tag, "GET http://registry.test/v2/lookups/gone/manifests/1: MANIFEST_UNKNOWN: manifest unknown; map[Tag:1]");

        JsonNode status = client.review(tag);

        assertThat(status.get("reason").asText()).isEqualTo(tag
                + ": denied: scan failed: registry lookup failed: unable to find the specified image (MANIFEST_UNKNOWN)");
        assertThat(trivy.runsOf(tag)).isEmpty();
    }

    @Test
    void aFailedLookupIsOneWarnLineWithTheReasonAndNoStackTrace(CapturedOutput output) {
        String tag = "registry.test/lookups/nohost:1";
        crane.failLookups(tag, "Get \"https://registry.test/v2/\": dial tcp: lookup registry.test: no such host");
        int before = output.getOut().length();

        client.review(tag);

        String logged = output.getOut().substring(before);
        assertThat(logged.lines().filter(line -> line.contains("WARN") && line.contains("could not look up " + tag)))
                .hasSize(1);
        assertThat(logged).doesNotContain(" ERROR ", "UnresolvedTagException", "\tat ");
    }

    @Test
    void aRegistryThatDoesNotAnswerInTimeIsAScanError() {
        String tag = "registry.test/lookups/slow:1";
        crane.push(tag, "clean", CRANE_TIMEOUT_SECONDS + 30);

        long started = System.nanoTime();
        JsonNode status = client.review(tag);

        assertThat(status.get("reason").asText()).isEqualTo(tag
                + ": denied: scan failed: the registry did not answer within " + CRANE_TIMEOUT_SECONDS + "s");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(CRANE_TIMEOUT_SECONDS + 10));
    }

    @Test
    void aRegistryThatRefusesAnonymousLookupsGetsTrivysCredentialsOnce() {
        String first = "private.test/team/clean:1";
        String second = "private.test/team/clean:2";

        assertThat(client.review(first).get("allowed").asBoolean()).isTrue();
        assertThat(client.review(second).get("allowed").asBoolean()).isTrue();

        assertThat(crane.runsFor("private.test")).containsExactly(
                List.of("auth", "login", "private.test", "--username", "robot", "--password-stdin"));
        assertThat(crane.lastEnvironment()).noneMatch(line -> line.startsWith("TRIVY_PASSWORD=") || line.startsWith("TRIVY_USERNAME="))
                .anyMatch(line -> line.startsWith("DOCKER_CONFIG=") && line.contains("imagegate-crane-"));
    }

    @Test
    void registriesThatNeedNoCredentialsAreNeverGivenThem() {
        client.review("registry.test/lookups/public:1");

        assertThat(crane.runsFor("registry.test")).isEmpty();
        assertThat(crane.runsFor("registry.test/lookups/public:1")).singleElement()
                .isEqualTo(List.of("digest", "registry.test/lookups/public:1"));
    }
}
