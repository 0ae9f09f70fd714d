package dev.imagegate.signature;

import dev.imagegate.image.ImageReference;
import dev.imagegate.process.BoundedProcessExecutor;
import dev.imagegate.tags.CraneCommand;
import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyProperties;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What ImageGate gives cosign, and what cosign v2.6.4's exit codes and errors mean. */
class CosignTest {

    static final String DIGEST = "sha256:" + "c".repeat(64);
    static final SigningKey RELEASE = new SigningKey("release", read("release.pub"));
    static final KeyFiles keyFiles = new KeyFiles();
    static final CosignOutput output = new CosignOutput(new CosignProperties("cosign", Duration.ofSeconds(10), 4, 256));

    @Test
    void aKeyOnlyCheckVerifiesTheDigestAgainstATrustedRootThatTrustsNothingElse() throws IOException {
        List<String> args = command(Map.of()).verifyArguments(run("registry.corp.example/app@" + DIGEST, TransparencyLog.IGNORE));

        Path key = Path.of(args.get(2));
        Path trustedRoot = Path.of(args.get(args.indexOf("--trusted-root") + 1));
        assertThat(args).containsExactly("verify", "--key", key.toString(), "--insecure-ignore-tlog=true",
                "--trusted-root", trustedRoot.toString(), "registry.corp.example/app@" + DIGEST);
        assertThat(Files.readString(key)).isEqualTo(RELEASE.publicKey());
        assertThat(Files.readString(trustedRoot)).isEqualTo(KeyFiles.EMPTY_TRUSTED_ROOT);
    }

    @Test
    void aRequiredLogIsCheckedAsCosignDoesByDefault() {
        assertThat(command(Map.of()).verifyArguments(run("registry.corp.example/app@" + DIGEST, TransparencyLog.REQUIRED)))
                .doesNotContain("--insecure-ignore-tlog=true", "--trusted-root").startsWith("verify", "--key");
    }

    @Test
    void anInsecureRegistrySettingReachesCosignAsItReachesCrane() {
        assertThat(command(Map.of("TRIVY_INSECURE", "true")).verifyArguments(run("registry.corp.example/app@" + DIGEST, TransparencyLog.IGNORE)))
                .contains("--allow-insecure-registry", "--allow-http-registry");
    }

    @Test
    void aTagIsNeverVerified() {
        assertThatThrownBy(() -> command(Map.of()).verifyArguments(run("registry.corp.example/app:1", TransparencyLog.IGNORE)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cosignGetsTrivysRegistryEnvironmentWithoutTrivysSecrets() {
        Map<String, String> env = command(Map.of("TRIVY_PASSWORD", "secret")).environment(Map.of("HTTPS_PROXY", "http://proxy:3128",
                "SIGSTORE_REKOR_PUBLIC_KEY", "/keys/rekor.pub", "AWS_SECRET_ACCESS_KEY", "x"));

        assertThat(env).containsEntry("HTTPS_PROXY", "http://proxy:3128").containsEntry("SIGSTORE_REKOR_PUBLIC_KEY", "/keys/rekor.pub")
                .doesNotContainKeys("TRIVY_PASSWORD", "AWS_SECRET_ACCESS_KEY");
    }

    static Stream<Arguments> exitCodes() {
        return Stream.of(
                arguments(0, "", new SignatureOutcome.Verified("release")),
                arguments(10, "Error: no signatures found\nmain.go:74: error during command execution: no signatures found\n",
                        new SignatureOutcome.NotSigned()),
                arguments(12, "Error: no matching signatures: crypto/ecdsa: verification error\n", new SignatureOutcome.NoMatch()),
                arguments(1, "Error: GET http://127.0.0.1:5000/v2/app/manifests/sha256-c.sig: DENIED: requested access to the resource is denied\n"
                        + "main.go:74: error during command execution: GET ...: DENIED\n",
                        new SignatureOutcome.CheckFailed("registry denied the scanner access (DENIED)")),
                arguments(1, "Error: Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused\n",
                        new SignatureOutcome.CheckFailed("127.0.0.1:1 refused the connection")),
                arguments(BoundedProcessExecutor.KILLED_ON_TIMEOUT, "", new SignatureOutcome.CheckFailed("cosign did not finish within 10s")));
    }

    @ParameterizedTest(name = "exit {0}: {2}")
    @MethodSource
    void exitCodes(int exit, String stderr, SignatureOutcome outcome) throws IOException {
        assertThat(output.outcome(result(exit, stderr), run("registry.corp.example/app@" + DIGEST, TransparencyLog.IGNORE)))
                .isEqualTo(outcome);
    }

    @Test
    void keysAreTriedInTurnUntilOneVerifiesAndAFailureIsTheAnswerForAll() {
        SigningKey a = new SigningKey("a", "A");
        SigningKey b = new SigningKey("b", "B");
        SigningKey c = new SigningKey("c", "C");
        KeySet keys = new KeySet(List.of(a, b, c), TransparencyLog.IGNORE);
        AtomicInteger runs = new AtomicInteger();

        assertThat(keys.verify(key -> { runs.incrementAndGet(); return key == b ? new SignatureOutcome.Verified("b") : new SignatureOutcome.NoMatch(); }))
                .isEqualTo(new SignatureOutcome.Verified("b"));
        assertThat(runs).hasValue(2);
        assertThat(keys.verify(key -> new SignatureOutcome.NoMatch())).isEqualTo(new SignatureOutcome.NoMatch());
        runs.set(0);
        assertThat(keys.verify(key -> { runs.incrementAndGet(); return new SignatureOutcome.CheckFailed("down"); }))
                .isEqualTo(new SignatureOutcome.CheckFailed("down"));
        assertThat(runs).hasValue(1);
    }

    static CosignCommand command(Map<String, String> trivyEnvironment) {
        TrivyCommand trivy = new TrivyCommand(new TrivyProperties("trivy", Duration.ofMinutes(1), null, null, null, null, false,
                null, trivyEnvironment, DataSize.ofMegabytes(1), Duration.ofDays(1)));
        return new CosignCommand(new CraneCommand(trivy), trivy, keyFiles);
    }

    static CosignRun run(String image, TransparencyLog log) {
        return new CosignRun(ImageReference.parse(image), RELEASE, log);
    }

    static ExecResult result(int exit, String stderr) {
        ExecCommand command = new ExecCommand("cosign", List.of(), null, 0L, Set.of(), null, null, false, LoggingLevel.OFF);
        return new ExecResult(command, new ByteArrayInputStream(new byte[0]),
                new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)), exit);
    }

    static String read(String file) {
        try {
            return Files.readString(Path.of("src/test/resources/signature", file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
