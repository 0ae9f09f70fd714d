package dev.imagegate.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real cosign (v2.6.4), as a CI pipeline runs it to sign: key pairs from {@code cosign generate-key-pair}
 * with {@code COSIGN_PASSWORD} set, and signatures pushed with {@code cosign sign --key ... --tlog-upload=false}
 * (no transparency log, so no network). Each run gets a home directory of its own, so no Sigstore cache of
 * the machine's plays a part.
 */
record Cosign(Path executable, Path home) {

    static final String PASSWORD = "e2e-signing-password";

    /** The cosign to use: $IMAGEGATE_E2E_COSIGN, on PATH or in ~/go/bin; the test is skipped, loudly, without one. */
    static Cosign find(Path workDir) throws IOException {
        Optional<Path> cosign = Optional.ofNullable(System.getenv("IMAGEGATE_E2E_COSIGN")).map(Path::of)
                .or(() -> EndToEnd.onPath("cosign", Path.of(System.getProperty("user.home"), "go/bin")));
        if (cosign.isEmpty()) {
            String message = "SIGNATURE END-TO-END TESTS SKIPPED: missing cosign v2.6.4 (on PATH, in ~/go/bin, or"
                    + " IMAGEGATE_E2E_COSIGN); GOTOOLCHAIN=local go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.4";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        return new Cosign(cosign.get(), Files.createDirectories(workDir.resolve("cosign-home")));
    }

    /** {@code cosign generate-key-pair}: returns the public key file ({@code NAME.pub}; {@code NAME.key} beside it). */
    Path generateKeyPair(Path dir, String name) {
        run(dir, List.of("generate-key-pair", "--output-key-prefix", name));
        return dir.resolve(name + ".pub");
    }

    /** {@code cosign sign} of {@code image} (by digest) with the private key beside {@code publicKey}. */
    void sign(Path publicKey, String image) {
        String privateKey = publicKey.toString().replaceFirst("\\.pub$", ".key");
        run(publicKey.getParent(), List.of("sign", "--key", privateKey, "--tlog-upload=false", "--yes", image));
    }

    private String run(Path dir, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        command.addAll(arguments);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(Map.of("HOME", home.toString(), "PATH", "/usr/bin:/bin",
                    "COSIGN_PASSWORD", PASSWORD));
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
