package dev.imagegate.support;

import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;

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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The project's test-double crane ({@code src/test/crane/crane}) and the registry it pretends to ask: a file,
 * shared with the test-double trivy, of the digest each tag points to and the report trivy gives for it. A
 * tag the file does not list points to the sha256 of its own {@code repository:tag}.
 */
public final class CraneDouble {

    public static final String COMMAND = "src/test/crane/crane";

    private static final AtomicInteger pushes = new AtomicInteger();

    private final Path registry;
    private final Path log;
    private final Path environment;

    public CraneDouble() {
        try {
            this.registry = Files.createTempFile("registry-double-", ".txt");
            this.log = Files.createTempFile("crane-double-", ".log");
            this.environment = Files.createTempFile("crane-double-", ".env");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For {@code TRIVY_DOUBLE_REGISTRY}, read by both doubles. */
    public String registryFile() {
        return registry.toString();
    }

    /** For {@code TRIVY_DOUBLE_CRANE_LOG}. */
    public String logFile() {
        return log.toString();
    }

    /** For {@code TRIVY_DOUBLE_CRANE_ENV}. */
    public String environmentFile() {
        return environment.toString();
    }

    /**
     * Points {@code tag} at a new image, which the test-double trivy reports as {@code report} (a file name in
     * src/test/trivy/reports, or one of the failures it acts out), and returns the image's digest.
     */
    public String push(String tag, String report) {
        return push(tag, report, 0);
    }

    /** As {@link #push(String, String)}, and each lookup of the tag takes {@code seconds}. */
    public String push(String tag, String report, double seconds) {
        String digest = sha256(tag + " " + report + " " + pushes.incrementAndGet());
        append(canonicalTag(tag) + " " + digest + " " + report + " " + seconds);
        return digest;
    }

    /** From now on, lookups of {@code tag} fail as crane fails, with {@code message}. */
    public void failLookups(String tag, String message) {
        append(canonicalTag(tag) + " !" + message);
    }

    /** The runs that looked {@code tag} up or logged in, each as its argument list. */
    public List<List<String>> runsFor(String tagOrRegistry) {
        String wanted = tagOrRegistry.contains("/") ? canonicalTag(tagOrRegistry) : tagOrRegistry;
        return lines(log).stream().map(line -> Arrays.asList(line.split("\t")).subList(1, line.split("\t").length))
                .filter(args -> args.contains(wanted)).toList();
    }

    /** The environment crane had in its last run, one {@code NAME=value} per line. */
    public List<String> lastEnvironment() {
        return lines(environment);
    }

    /** {@code repository@digest}: what trivy is given for {@code image} when its tag is in no registry file. */
    public static String pinned(String image) {
        ImageReference reference = ImageReference.parse(image);
        return reference.isDigestPinned() ? reference.byDigest() : reference.repository() + "@" + digestOf(image);
    }

    /** The digest the test-double crane gives for a tag that no registry file lists. */
    public static String digestOf(String tag) {
        return sha256(canonicalTag(tag));
    }

    /** {@link #pinned}, or the text itself when it is no image reference (it then never reaches trivy). */
    static String pinnedOrAsWritten(String image) {
        try {
            return pinned(image);
        } catch (InvalidImageReferenceException e) {
            return image;
        }
    }

    /** The tag as ImageGate gives it to crane: {@code repository:tag}. */
    private static String canonicalTag(String tag) {
        ImageReference reference = ImageReference.parse(tag);
        return reference.repository() + ":" + (reference.tag() == null ? "latest" : reference.tag());
    }

    private static String sha256(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void append(String line) {
        try {
            Files.writeString(registry, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
