package dev.imagegate.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
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
            "registry.test/checkmatch/unfixed:1 registry.test/checkmatch/unfixed:1"})
    void checkAnswersWhatTheWebhookAnswers(String pod) {
        String[] images = pod.split(" ");
        JsonNode webhook = client.review(images);

        List<String> args = new ArrayList<>(List.of("--policy", TestEnvironment.policyFile().toString(),
                "--imagegate.trivy.command=" + TrivyDouble.COMMAND, "--output", "json"));
        args.addAll(List.of(images));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = CheckCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(ReviewClient.json(out.toString(StandardCharsets.UTF_8))).isEqualTo(webhook);
        assertThat(exit).isEqualTo(webhook.get("allowed").asBoolean() ? CheckCommand.ADMITTED : CheckCommand.DENIED);
    }
}
