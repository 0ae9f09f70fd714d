package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Signature rules with the real cosign, crane and trivy against the loopback registry: images signed in the way a
 * CI pipeline signs them ({@code cosign sign --key ... --tlog-upload=false}), a policy requiring the release key
 * with {@code transparencyLog: ignore}, and ImageGate's proxies pointing at a proxy that records and refuses
 * every connection. The packaged {@code check} agrees with the webhook on every case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignatureEndToEndIT {

    static final Duration TAG_TTL = Duration.ofSeconds(5);
    static final String POLICY = """
            defaults:
              severity: HIGH
              onScanError: deny
            signatures:
              - images: ["127.0.0.1:*/e2e/*"]
                keys:
            %s
                transparencyLog: ignore
            """;

    EndToEnd.Tools tools;
    Cosign cosign;
    Path work;
    Path trivyCache;
    Path policy;
    Path release;
    Path ci;
    Path other;
    LocalRegistry registry;
    SignatureRefusingRegistry refusing;
    RefusingProxy proxy;
    ImageGateProcess imageGate;
    ReviewClient client;

    @BeforeAll
    void start() throws Exception {
        tools = EndToEnd.tools();
        work = EndToEnd.workDir("signatures");
        cosign = Cosign.find(work);
        trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work);
        refusing = new SignatureRefusingRegistry(registry);
        proxy = new RefusingProxy();
        Path keys = Files.createDirectories(work.resolve("keys"));
        release = cosign.generateKeyPair(keys, "release");
        ci = cosign.generateKeyPair(keys, "ci");
        other = cosign.generateKeyPair(keys, "other");
        policy = work.resolve("policy.yaml");
        writePolicy("release");

        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.putAll(settings());
        properties.put("imagegate.policy.file", policy.toString());
        properties.put("imagegate.cache.tag-ttl", TAG_TTL.toSeconds() + "s");
        Path home = Files.createDirectories(work.resolve("imagegate-home"));
        imageGate = ImageGateProcess.start("imagegate-signatures", properties, Map.of(
                "HTTPS_PROXY", proxy.url(), "https_proxy", proxy.url(), "HTTP_PROXY", proxy.url(), "http_proxy", proxy.url(),
                "NO_PROXY", "", "no_proxy", "", "HOME", home.toString()), work);
        client = imageGate.client();
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(imageGate, refusing, registry, proxy);
    }

    @Test
    @Order(1)
    void aSignedImageIsAdmitted() throws Exception {
        String image = pushed("e2e/signed", "1", ScanEndToEndIT.ALPINE_CLEAN);
        cosign.sign(release, byDigest(image));

        JsonNode status = agreed(image);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isTrue();
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by release");
    }

    @Test
    @Order(2)
    void anUnsignedImageIsDenied() throws Exception {
        String image = pushed("e2e/unsigned", "1", ScanEndToEndIT.ALPINE_CLEAN);

        JsonNode status = agreed(image);

        assertThat(status.get("reason").asText()).isEqualTo(image + ": denied: not signed by any of release (no signature found)");
    }

    @Test
    @Order(3)
    void anImageSignedByAnotherKeyIsDenied() throws Exception {
        String image = pushed("e2e/other-key", "1", ScanEndToEndIT.ALPINE_CLEAN);
        cosign.sign(other, byDigest(image));

        JsonNode status = agreed(image);

        assertThat(status.get("reason").asText()).isEqualTo(image + ": denied: signature does not match release");
    }

    @Test
    @Order(4)
    void aSignedButVulnerableImageIsDeniedForItsFindings() throws Exception {
        String image = pushed("e2e/signed-vulnerable", "1", ScanEndToEndIT.ALPINE_VULNERABLE);
        cosign.sign(release, byDigest(image));

        JsonNode status = agreed(image);

        assertThat(status.get("reason").asText()).startsWith(image + ": denied: ").contains("CVE-2024-6119");
        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by release");
    }

    @Test
    @Order(5)
    void aTagRePushedWithAnUnsignedImageIsDeniedAfterTheTagTtlWhileTheOldDigestStaysAdmitted() throws Exception {
        String tag = pushed("e2e/repushed", "1", ScanEndToEndIT.ALPINE_CLEAN);
        String signedImage = byDigest(tag);
        cosign.sign(release, signedImage);
        assertThat(client.review(tag).get("allowed").asBoolean()).isTrue();

        Map<String, String> files = new LinkedHashMap<>(ScanEndToEndIT.ALPINE_CLEAN.files());
        files.put("etc/motd", "re-pushed, unsigned\n");
        TestImage unsigned = new TestImage("e2e/repushed", files);
        registry.push(unsigned, "1");
        JsonNode after = await().atMost(TAG_TTL.plusSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.review(tag), status -> !status.get("allowed").asBoolean());

        assertThat(after.get("reason").asText()).isEqualTo(tag + ": denied: not signed by any of release (no signature found)");
        assertThat(agreed(tag)).isEqualTo(after);
        JsonNode old = agreed(signedImage);
        assertThat(old.get("allowed").asBoolean()).as(old.toString()).isTrue();
    }

    @Test
    @Order(6)
    void aRegistryThatRefusesTheSignatureLookupFailsTheCheck() throws Exception {
        pushed("e2e/refused", "1", ScanEndToEndIT.ALPINE_CLEAN);
        String image = refusing.host() + "/e2e/refused:1";

        JsonNode status = agreed(image);

        assertThat(status.get("allowed").asBoolean()).isFalse();
        assertThat(status.get("reason").asText()).startsWith(image + ": denied: signature check failed: ")
                .contains("DENIED");
    }

    @Test
    @Order(7)
    void aPolicyEditAddingAKeyAdmitsAnImageSignedByItWithoutARestart() throws Exception {
        String image = pushed("e2e/ci-signed", "1", ScanEndToEndIT.ALPINE_CLEAN);
        cosign.sign(ci, byDigest(image));
        assertThat(agreed(image).get("reason").asText()).isEqualTo(image + ": denied: signature does not match release");

        writePolicy("release", "ci");
        JsonNode status = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.review(image), answer -> answer.get("allowed").asBoolean());

        assertThat(status.at("/auditAnnotations/signature").asText()).isEqualTo("verified by ci");
        assertThat(agreed(image)).isEqualTo(status);
    }

    @Test
    @Order(8)
    void noCheckReachedForSigstoresTrustRoot() throws Exception {
        assertThat(proxy.connections()).as("connections ImageGate and its tools made through the proxy")
                .noneMatch(line -> line.contains("sigstore") || line.contains("rekor"));
    }

    /** The webhook's answer for {@code image}, once {@code check} has given the same one. */
    private JsonNode agreed(String image) throws IOException, InterruptedException {
        JsonNode webhook = client.review(image);
        assertThat(check(image)).as("check " + image).isEqualTo(webhook);
        return webhook;
    }

    /** {@code java -jar imagegate.jar check --output json IMAGE}, with the webhook's policy and tools. */
    private JsonNode check(String image) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                EndToEnd.PROJECT.resolve("target/imagegate.jar").toString(), "check", "--policy", policy.toString(),
                "--output", "json"));
        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.putAll(settings());
        properties.remove("imagegate.policy.file");
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        command.add(image);
        Path out = Files.createTempFile(work, "check-", ".json");
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("check finished").isTrue();
        return ReviewClient.json(Files.readString(out));
    }

    private Map<String, String> settings() {
        return Map.of("imagegate.cosign.command", cosign.executable().toString());
    }

    private void writePolicy(String... keyNames) throws IOException {
        StringBuilder keys = new StringBuilder();
        for (String name : keyNames) {
            keys.append("      - {name: ").append(name).append(", file: keys/").append(name).append(".pub}\n");
        }
        Path edited = Files.createTempFile(work, "policy-", ".yaml");
        Files.writeString(edited, POLICY.formatted(keys.toString().stripTrailing()), StandardCharsets.UTF_8);
        Files.move(edited, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Pushes {@code content} as {@code repository:tag}; returns the tag's reference. */
    private String pushed(String repository, String tag, TestImage content) throws IOException, InterruptedException {
        TestImage image = new TestImage(repository, content.files());
        registry.push(image, tag);
        return registry.reference(image, tag);
    }

    /** The image the tag points to now, by digest (what a pipeline signs). */
    private String byDigest(String tag) {
        String digest = EndToEnd.run(work, List.of(tools.crane().toString(), "digest", tag)).strip();
        return tag.substring(0, tag.lastIndexOf(':')) + "@" + digest;
    }
}
