package dev.imagegate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The project's test-double cosign ({@code src/test/cosign/cosign}) and the signatures it pretends a registry
 * holds: a file of which image (by digest) is signed with which key. Images are named as the test-double crane
 * pins them ({@link CraneDouble#pinned}).
 */
public final class CosignDouble {

    public static final String COMMAND = "src/test/cosign/cosign";

    private final Path signatures;
    private final Path log;

    public CosignDouble() {
        try {
            this.signatures = Files.createTempFile("cosign-double-signatures-", ".txt");
            this.log = Files.createTempFile("cosign-double-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For {@code TRIVY_DOUBLE_SIGNATURES}. */
    public String signaturesFile() {
        return signatures.toString();
    }

    /** For {@code TRIVY_DOUBLE_COSIGN_LOG}. */
    public String logFile() {
        return log.toString();
    }

    /** Signs what {@code image} stands for now with the key whose PEM is {@code publicKey}, without the transparency log. */
    public void sign(String image, String publicKey) {
        append(CraneDouble.pinned(image) + " " + fingerprint(publicKey));
    }

    /** From now on, checks of {@code image} fail as cosign fails when the registry does, with {@code message}. */
    public void failChecks(String image, String message) {
        append(CraneDouble.pinned(image) + " !" + message);
    }

    /** From now on, each check of {@code image} takes {@code seconds}. */
    public void delayChecks(String image, double seconds) {
        append(CraneDouble.pinned(image) + " delay " + seconds);
    }

    /** The runs that verified {@code image} (as its digest), each as its argument list. */
    public List<List<String>> runsFor(String image) {
        String pinned = CraneDouble.pinned(image);
        try {
            return Files.readAllLines(log).stream()
                    .map(line -> Arrays.asList(line.split("\t")).subList(1, line.split("\t").length))
                    .filter(args -> args.get(args.size() - 1).equals(pinned)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The key as ImageGate writes it for cosign, hashed as the double identifies it. */
    private static String fingerprint(String publicKey) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((publicKey.strip() + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void append(String line) {
        try {
            Files.writeString(signatures, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
