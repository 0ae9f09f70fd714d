package dev.imagegate.signature;

import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The files cosign reads: each policy key as a PEM file named by its content (a key edited in the policy is a
 * new file, never a rewrite of one a running cosign reads), and a trusted root that trusts no log, CA or
 * timestamp authority, for {@code transparencyLog: ignore}: given {@code --trusted-root}, cosign does not fetch
 * Sigstore's own from its TUF repository.
 */
@Component
public class KeyFiles {

    /** The smallest trusted root cosign (sigstore-go) accepts: its media type, and nothing trusted. */
    static final String EMPTY_TRUSTED_ROOT = "{\"mediaType\": \"application/vnd.dev.sigstore.trustedroot+json;version=0.1\"}\n";

    private final Path dir;
    private final Path trustedRoot;

    public KeyFiles() {
        try {
            this.dir = Files.createTempDirectory("imagegate-cosign-keys-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            this.trustedRoot = dir.resolve("trusted-root.json");
            Files.writeString(trustedRoot, EMPTY_TRUSTED_ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cosign's key directory", e);
        }
    }

    /** The file holding {@code key}'s PEM, written on first use. */
    public Path of(SigningKey key) {
        byte[] pem = key.publicKey().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(sha256(pem) + ".pub");
        if (!Files.exists(file)) {
            try {
                Path partial = Files.createTempFile(dir, "key-", ".partial");
                Files.write(partial, pem);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the public key " + key.name() + " for cosign", e);
            }
        }
        return file;
    }

    public Path trustedRoot() {
        return trustedRoot;
    }

    @PreDestroy
    void delete() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
