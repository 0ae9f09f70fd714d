package dev.imagegate.alert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.policy.Remedy;
import dev.imagegate.review.ReviewRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Slack's Block Kit limits and escaping, whatever the images and packages are called. */
class SlackMessageTest {

    static Alert.ImageVerdict denied(String image, List<Remedy.Fix> fixes) {
        return new Alert.ImageVerdict(image, "VULNERABLE", false, "denied: ...", List.of(), fixes, null, null,
                "denied: " + fixes.size() + " HIGH at or above HIGH");
    }

    static Alert alert(List<Alert.ImageVerdict> verdicts) {
        return new Alert(Instant.parse("2027-01-31T12:00:00Z"), "denied", "team-a", "enforce", false,
                verdicts.stream().map(Alert.ImageVerdict::image).toList(), "", verdicts);
    }

    @Test
    void aLongListOfFixesStaysWithinASectionAndSaysHowManyMore() {
        List<Remedy.Fix> fixes = IntStream.range(0, 200).mapToObj(i -> new Remedy.Fix("package-with-a-long-name-" + i,
                "1.0." + i, "1.0." + (i + 1), List.of("CVE-2026-%05d".formatted(i)))).toList();

        JsonNode section = SlackMessage.of(alert(List.of(denied("registry.test/big:1", fixes))), "#sec").blocks().get(1);

        String text = section.at("/text/text").asText();
        assertThat(text).hasSizeLessThanOrEqualTo(SlackMessage.SECTION_LIMIT).contains("• package-with-a-long-name-0 1.0.0 -&gt; 1.0.1");
        int listed = text.split("\n• package-with-a-long-name-").length - 1;
        assertThat(listed).isBetween(20, 199);
        assertThat(text).endsWith("\n• and " + (200 - listed) + " more (status.images, the audit log)");
    }

    @Test
    void manyDeniedImagesStayWithinFiftyBlocks() {
        List<Alert.ImageVerdict> images = IntStream.range(0, 80).mapToObj(i -> denied("registry.test/app-" + i + ":1",
                List.of(new Remedy.Fix("zlib", "1", "2", List.of("CVE-1"))))).toList();

        SlackMessage message = SlackMessage.of(alert(images), "#sec");

        assertThat(message.blocks()).hasSizeLessThanOrEqualTo(SlackMessage.BLOCK_LIMIT);
        assertThat(message.blocks().get(message.blocks().size() - 1).at("/elements/0/text").asText())
                .contains("and 33 more images: see the audit log");
        assertThat(message.text()).isEqualTo("[ImageGate] denied in namespace team-a: registry.test/app-0:1, "
                + "registry.test/app-1:1, registry.test/app-2:1, and 77 more");
    }

    @Test
    void namesCannotMentionLinkOrFormatTheirWayOut() {
        Alert.ImageVerdict hostile = denied("<!here>", List.of(new Remedy.Fix("<!channel> <https://evil.example|click>",
                "1 & 2", "3", List.of("CVE-1"))));

        SlackMessage message = SlackMessage.of(alert(List.of(hostile)), "#sec");

        JsonNode text = message.blocks().get(1).get("text");
        assertThat(text.get("text").asText()).contains("• &lt;!channel&gt; &lt;https://evil.example|click&gt; 1 &amp; 2 -&gt; 3 (CVE-1)")
                .doesNotContain("<");
        assertThat(text.get("verbatim").asBoolean()).isTrue();
        assertThat(text.get("text").asText()).startsWith("*&lt;!here&gt;*\n");
        assertThat(message.text()).isEqualTo("[ImageGate] denied in namespace team-a: &lt;!here&gt;");
    }

    @Test
    void anAdmissionWebhooksAlertNamesTheRequestTheObjectAndTheUser() {
        Alert plain = alert(List.of(denied("registry.test/app:1", List.of())));
        Alert admitted = new Alert(plain.time(), plain.kind(), plain.namespace(), plain.mode(), plain.allowed(), plain.images(),
                plain.reason(), plain.verdicts(), new ReviewRequest.Subject("uid-1", "Deployment", "web",
                true, "CREATE", "alice", false));

        assertThat(admitted.text()).contains("\nRequest: CREATE of Deployment team-a/web by alice.\n");
        assertThat(SlackMessage.of(admitted, "#sec").blocks().toString()).contains("CREATE of Deployment team-a/web by alice");
        assertThat(plain.text()).doesNotContain("Request:");
    }
}
