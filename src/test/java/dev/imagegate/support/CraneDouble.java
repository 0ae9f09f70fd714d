package dev.imagegate.support;

import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The project's test-double crane ({@code src/test/crane/crane}): a tag it finds in no registry file points to
 * the sha256 of its own {@code repository:tag}, so every tag has a stable digest of its own.
 */
public final class CraneDouble {

    public static final String COMMAND = "src/test/crane/crane";

    private CraneDouble() {
    }

    /** {@code repository@digest}: what trivy is given for {@code image}, the digest a tag points to by default. */
    public static String pinned(String image) {
        ImageReference reference = ImageReference.parse(image);
        if (reference.isDigestPinned()) {
            return reference.byDigest();
        }
        return reference.repository() + "@" + digestOf(image);
    }

    /** The digest the test-double crane gives for a tag that no registry file lists. */
    public static String digestOf(String tagged) {
        ImageReference reference = ImageReference.parse(tagged);
        String tag = reference.repository() + ":" + (reference.tag() == null ? "latest" : reference.tag());
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(tag.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #pinned}, or the text itself when it is no image reference (it then never reaches trivy). */
    static String pinnedOrAsWritten(String image) {
        try {
            return pinned(image);
        } catch (InvalidImageReferenceException e) {
            return image;
        }
    }
}
