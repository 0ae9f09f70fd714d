package dev.imagegate.e2e;

import dev.imagegate.image.ImageReference;
import dev.imagegate.tags.CraneCommand;
import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyProperties;
import dev.imagegate.signature.CosignCommand;
import dev.imagegate.signature.CosignOutput;
import dev.imagegate.signature.CosignProcessExecutor;
import dev.imagegate.signature.CosignProperties;
import dev.imagegate.signature.CosignRun;
import dev.imagegate.signature.KeyFiles;
import dev.imagegate.signature.SignatureOutcome;
import dev.imagegate.signature.SigningKey;
import dev.imagegate.signature.TransparencyLog;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code transparencyLog: ignore} never reaches the network: the real cosign, run with ImageGate's arguments
 * and environment, verifies images in a loopback registry while every proxy setting points at a proxy that
 * records and refuses each connection, and that proxy sees none. The same cosign given
 * {@code --insecure-ignore-tlog} alone (without ImageGate's trusted root) does go out, which shows the proxy
 * would have seen it.
 */
class CosignOfflineIT {

    static Path workDir;
    static LocalRegistry registry;
    static RefusingProxy proxy;
    static Cosign cosign;
    static Path release;
    static Path other;
    static String signed;
    static String signedByOther;
    static String unsigned;
    static KeyFiles keyFiles;
    /** cosign's home for verifying: empty, so no cached Sigstore root stands in for a fetch. */
    static Path verifyHome;

    @BeforeAll
    static void signImages() throws Exception {
        workDir = EndToEnd.workDir("cosign-offline");
        cosign = Cosign.find(workDir);
        Path dockerRegistry = EndToEnd.onPath("docker-registry", Path.of("/usr/bin")).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(dockerRegistry != null, "docker-registry is missing");
        registry = LocalRegistry.start(dockerRegistry, workDir);
        proxy = new RefusingProxy();
        Path keys = Files.createDirectories(workDir.resolve("keys"));
        release = cosign.generateKeyPair(keys, "release");
        other = cosign.generateKeyPair(keys, "other");
        signed = pushed("offline/signed");
        signedByOther = pushed("offline/other");
        unsigned = pushed("offline/unsigned");
        cosign.sign(release, signed);
        cosign.sign(other, signedByOther);
        keyFiles = new KeyFiles();
        verifyHome = Files.createDirectories(workDir.resolve("verify-home"));
    }

    @AfterAll
    static void stop() {
        EndToEnd.closeAll(registry, proxy);
    }

    @Test
    void aKeyOnlyCheckMakesNoConnectionBeyondLoopback() throws Exception {
        List<String> before = proxy.connections();

        SignatureOutcome verified = verify(signed, release);
        SignatureOutcome mismatch = verify(signedByOther, release);
        SignatureOutcome missing = verify(unsigned, release);

        assertThat(verified).isEqualTo(new SignatureOutcome.Verified("release"));
        assertThat(mismatch).isEqualTo(new SignatureOutcome.NoMatch());
        assertThat(missing).isEqualTo(new SignatureOutcome.NotSigned());
        assertThat(proxy.connections()).as("connections through the proxy").isEqualTo(before);
    }

    @Test
    void aRegistryThatRefusesTheSignatureLookupIsAFailedCheckNotAMissingSignature() throws Exception {
        try (SignatureRefusingRegistry refusing = new SignatureRefusingRegistry(registry)) {
            String throughRefusing = signed.replace(registry.host(), refusing.host());

            SignatureOutcome outcome = verify(throughRefusing, release);

            assertThat(outcome).isEqualTo(new SignatureOutcome.CheckFailed("registry denied the scanner access (DENIED)"));
        }
    }

    @Test
    void withoutTheTrustedRootTheSameCosignGoesToTheNetwork() throws Exception {
        List<String> before = proxy.connections();
        List<String> arguments = new ArrayList<>(List.of("verify", "--key", release.toString(),
                "--insecure-ignore-tlog=true", signed));

        ExecResult result = executor().execute(command(arguments));

        assertThat(proxy.connections().size()).as("connections through the proxy, exit " + result.getExitValue())
                .isGreaterThan(before.size());
        assertThat(proxy.connections().subList(before.size(), proxy.connections().size()))
                .anySatisfy(line -> assertThat(line).startsWith("CONNECT tuf-repo-cdn.sigstore.dev:443"));
    }

    static SignatureOutcome verify(String image, Path publicKey) throws IOException {
        CosignRun run = new CosignRun(ImageReference.parse(image),
                new SigningKey(publicKey.getFileName().toString().replace(".pub", ""), Files.readString(publicKey)),
                TransparencyLog.IGNORE);
        ExecResult result = executor().execute(command(cosignCommand().verifyArguments(run)));
        return output().outcome(result, run);
    }

    /** Every proxy variable Go reads points at the refusing proxy; loopback (the registry) is never proxied. */
    static TrivyProperties properties() {
        String url = proxy.url();
        return new TrivyProperties("trivy", Duration.ofMinutes(1), null, null, null, null, false, null,
                Map.of("HTTPS_PROXY", url, "https_proxy", url, "HTTP_PROXY", url, "http_proxy", url, "NO_PROXY", "",
                        "no_proxy", "", "HOME", verifyHome.toString()),
                DataSize.ofMegabytes(1), Duration.ofDays(1));
    }

    static CosignCommand cosignCommand() {
        TrivyCommand trivy = new TrivyCommand(properties());
        return new CosignCommand(new CraneCommand(trivy), trivy, keyFiles);
    }

    static CosignProcessExecutor executor() {
        return new CosignProcessExecutor(cosignCommand());
    }

    static CosignOutput output() {
        return new CosignOutput(new CosignProperties(cosign.executable().toString(), Duration.ofMinutes(2), 1, 1));
    }

    static ExecCommand command(List<String> arguments) {
        return new ExecCommand(cosign.executable().toString(), arguments, workDir.toString(),
                Duration.ofMinutes(2).toMillis(), Set.of(), null, null, false, LoggingLevel.OFF);
    }

    static String pushed(String repository) throws IOException, InterruptedException {
        TestImage image = TestImage.alpine(repository, "3.20.3", Map.of("musl", "1.2.5-r0"));
        return registry.reference(image, registry.push(image, "1"));
    }
}
