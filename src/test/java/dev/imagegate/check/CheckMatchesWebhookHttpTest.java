package dev.imagegate.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The point of {@code check}: for the same images and policy it answers exactly what the running webhook answers. */
@ImageGateHttpTest
class CheckMatchesWebhookHttpTest {

    @Autowired
    ReviewClient client;

    @ParameterizedTest
    @ValueSource(strings = {
            "registry.test/checkmatch/clean:1",
            "registry.test/checkmatch/vulnerable:1 registry.test/checkmatch/medium:1",
            "registry.test/checkmatch/missing:1 registry.test/checkmatch/clean:1 not//valid",
            "registry.test/checkmatch/unfixed:1 registry.test/checkmatch/unfixed:1",
            "registry.test/checkmatch/eosl:1 registry.test/checkmatch/vulnerable:1"})
    void checkAnswersWhatTheWebhookAnswers(String pod) {
        String[] images = pod.split(" ");
        JsonNode webhook = client.review(images);

        Answer answer = check("json", images);

        assertThat(ReviewClient.json(answer.stdout())).isEqualTo(webhook);
        assertThat(answer.exit()).isEqualTo(webhook.get("allowed").asBoolean() ? CheckCommand.ADMITTED : CheckCommand.DENIED);
    }

    /** Every vulnerability of every fix the webhook names is a SARIF result naming the same package and versions. */
    @Test
    void sarifNamesTheFixesTheWebhookNames() {
        String[] images = {"registry.test/checkmatch-sarif/vulnerable:1", "registry.test/checkmatch-sarif/eosl:1"};
        JsonNode webhook = client.review(images);

        Answer answer = check("sarif", images);

        List<String> messages = new ArrayList<>();
        ReviewClient.json(answer.stdout()).at("/runs/0/results").forEach(result -> messages.add(result.at("/message/text").asText()));
        List<String> expected = new ArrayList<>();
        for (JsonNode image : webhook.get("images")) {
            image.path("fixes").forEach(fix -> fix.get("vulnerabilities").forEach(id -> expected.add(fix.get("package").asText()
                    + " " + fix.get("installed").asText() + " in " + image.get("image").asText() + " is affected by " + id.asText())));
            image.path("unfixed").forEach(unfixed -> unfixed.get("vulnerabilities").forEach(id -> expected.add(
                    unfixed.get("package").asText() + " " + unfixed.get("installed").asText() + " in " + image.get("image").asText()
                            + " is affected by " + id.asText())));
        }
        assertThat(expected).hasSize(10);
        assertThat(messages).hasSize(10).allSatisfy(message -> assertThat(expected).anyMatch(message::startsWith));
        assertThat(expected).allSatisfy(prefix -> assertThat(messages).anyMatch(message -> message.startsWith(prefix)));
        assertThat(messages).contains("libcrypto1.1 1.1.1b-r1 in registry.test/checkmatch-sarif/eosl:1 is affected by "
                + "CVE-2026-20903 (HIGH): upgrade to 1.1.1d-r2");
        assertThat(answer.exit()).isEqualTo(CheckCommand.DENIED);
    }

    private static Answer check(String output, String... images) {
        List<String> args = new ArrayList<>(List.of("--policy", TestEnvironment.policyFile().toString(),
                "--imagegate.trivy.command=" + TrivyDouble.COMMAND, "--output", output));
        args.addAll(List.of(images));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = CheckCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        return new Answer(exit, out.toString(StandardCharsets.UTF_8));
    }

    record Answer(int exit, String stdout) {
    }
}
