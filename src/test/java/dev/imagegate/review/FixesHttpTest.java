package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.AuditLog;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.util.List;

import static dev.imagegate.support.ReviewClient.imageReview;
import static dev.imagegate.support.ReviewClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What to upgrade, as {@code /scan} answers it: in the reason, in {@code status.images} and in the audit line. */
@ImageGateHttpTest
class FixesHttpTest {

    @Autowired
    ReviewClient client;

    @Test
    void theAnswerAndTheAuditLineNameTheSameFixes() {
        AuditLog audit = AuditLog.record();
        String vulnerable = "registry.test/fixes/vulnerable:1";
        String endOfLife = "registry.test/fixes/eosl:1";

        JsonNode status = json(client.post(imageReview("fixes-http", vulnerable, endOfLife, "registry.test/fixes/clean:1")).body())
                .get("status");

        assertThat(status.get("reason").asText())
                .startsWith(vulnerable + ": denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 "
                        + "(CVE-2026-10001), org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965)")
                .contains("; " + endOfLife + ": denied: alpine 3.9.4 is past end of support: rebuild on a supported base image; "
                        + "1 CRITICAL, 3 HIGH at or above HIGH; upgrade musl 1.1.20-r4 -> 1.1.20-r5 (CVE-2026-20901), "
                        + "musl-utils 1.1.20-r4 -> 1.1.20-r5 (CVE-2026-20901), libcrypto1.1 1.1.1b-r1 -> 1.1.1d-r2 "
                        + "(CVE-2026-20902, CVE-2026-20903); no fix yet: busybox (CVE-2026-20904)")
                .doesNotContain("clean:1");
        JsonNode images = status.get("images");
        assertFixes(images.get(0), images.get(1));
        assertThat(images.get(2).has("fixes")).isFalse();

        await().atMost(Duration.ofSeconds(10)).until(() -> !audit.decisions("fixes-http").isEmpty());
        List<JsonNode> verdicts = List.of(audit.decisions("fixes-http").get(0).get("verdicts").get(0),
                audit.decisions("fixes-http").get(0).get("verdicts").get(1));
        assertFixes(verdicts.get(0), verdicts.get(1));
        assertThat(verdicts.get(0).get("fixes")).isEqualTo(images.get(0).get("fixes"));
        assertThat(verdicts.get(1).get("unfixed")).isEqualTo(images.get(1).get("unfixed"));
    }

    private static void assertFixes(JsonNode vulnerable, JsonNode endOfLife) {
        assertThat(vulnerable.get("fixes")).extracting(fix -> fix.get("package").asText())
                .containsExactly("libcrypto3", "org.springframework:spring-beans", "musl", "zlib");
        assertThat(vulnerable.at("/fixes/1/installed").asText()).isEqualTo("5.3.15");
        assertThat(vulnerable.at("/fixes/1/fixed").asText()).isEqualTo("5.3.18");
        assertThat(vulnerable.at("/fixes/1/vulnerabilities")).extracting(JsonNode::asText).containsExactly("CVE-2022-22965");
        assertThat(vulnerable.at("/unfixed/0/package").asText()).isEqualTo("busybox");
        assertThat(vulnerable.has("osEndOfSupport")).isFalse();
        assertThat(endOfLife.get("osEndOfSupport").asText()).isEqualTo("alpine 3.9.4");
        assertThat(endOfLife.at("/fixes/2/fixed").asText()).isEqualTo("1.1.1d-r2");
        assertThat(endOfLife.at("/fixes/2/vulnerabilities")).extracting(JsonNode::asText)
                .containsExactly("CVE-2026-20902", "CVE-2026-20903");
    }
}
