package dev.imagegate.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.support.CosignDouble;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code check} applies the policy's signature rules through the webhook's code, and answers what the webhook answers. */
@ImageGateHttpTest
class SignatureCheckMatchesWebhookHttpTest {

    static final Path KEYS = Path.of("src/test/resources/signature").toAbsolutePath();
    static final CosignDouble cosign = TestEnvironment.cosign();
    static final Path policyFile = TestEnvironment.policyFile();
    static final String POLICY = """
            signatures:
              - images: ["registry.test/sigcheck-*"]
                keys:
                  - {name: release, file: %s}
                  - {name: ci, file: %s}
                transparencyLog: ignore
            """.formatted(KEYS.resolve("release.pub"), KEYS.resolve("ci.pub"));

    @Autowired
    PolicyStore policies;

    @Autowired
    ReviewClient client;

    @BeforeAll
    static void sign() throws IOException {
        cosign.sign("registry.test/sigcheck-release/clean:1", Files.readString(KEYS.resolve("release.pub")));
        cosign.sign("registry.test/sigcheck-ci/vulnerable:1", Files.readString(KEYS.resolve("ci.pub")));
        cosign.sign("registry.test/sigcheck-other/clean:1", Files.readString(KEYS.resolve("other.pub")));
        cosign.failChecks("registry.test/sigcheck-refused/clean:1", "GET http://registry.test/v2/: dial tcp 127.0.0.1:1: connect: connection refused");
    }

    @BeforeEach
    void writePolicy() throws IOException {
        Files.writeString(policyFile, POLICY);
        policies.reloadIfChanged();
        assertThat(policies.lastError()).isNull();
    }

    @AfterEach
    void restorePolicy() throws IOException {
        Files.copy(TestEnvironment.SHIPPED_POLICY, policyFile, StandardCopyOption.REPLACE_EXISTING);
        policies.reloadIfChanged();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "registry.test/sigcheck-release/clean:1",
            "registry.test/sigcheck-ci/vulnerable:1",
            "registry.test/sigcheck-unsigned/clean:1",
            "registry.test/sigcheck-other/clean:1",
            "registry.test/sigcheck-refused/clean:1",
            "registry.test/sigcheck-release/clean:1 registry.test/nosigrule/clean:1"})
    void checkAnswersWhatTheWebhookAnswers(String pod) {
        String[] images = pod.split(" ");
        JsonNode webhook = client.review(images);

        List<String> args = new ArrayList<>(List.of("--policy", policyFile.toString(),
                "--imagegate.trivy.command=" + TrivyDouble.COMMAND,
                "--imagegate.trivy.environment.TRIVY_DOUBLE_SIGNATURES=" + cosign.signaturesFile(), "--output", "json"));
        args.addAll(List.of(images));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = CheckCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(webhook.at("/auditAnnotations/signature").isTextual()).as(webhook.toString()).isTrue();
        assertThat(ReviewClient.json(out.toString(StandardCharsets.UTF_8))).isEqualTo(webhook);
        assertThat(exit).isEqualTo(webhook.get("allowed").asBoolean() ? CheckCommand.ADMITTED : CheckCommand.DENIED);
    }
}
