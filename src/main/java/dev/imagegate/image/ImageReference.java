package dev.imagegate.image;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container image reference, parsed with the grammar of the distribution/reference Go package that
 * kubelet, containerd and trivy use, and normalised the way {@code ParseNormalizedNamed} does
 * ({@code nginx} is {@code docker.io/library/nginx}).
 *
 * @param original   the reference exactly as written in the pod spec; this, unchanged, is what trivy scans
 * @param domain     the registry host (and port), {@code docker.io} when the reference names none
 * @param path       the repository path inside the registry
 * @param tag        the tag, or null
 * @param digest     the digest ({@code sha256:...}), or null
 */
public record ImageReference(String original, String domain, String path, String tag, String digest) {

    public static final int NAME_TOTAL_LENGTH_MAX = 255;
    private static final String DOCKER_HUB = "docker.io";

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String HOST = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    private static final Pattern REFERENCE = Pattern.compile(
            "((?:(" + DOMAIN + ")/)?(" + REMOTE_NAME + "))(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern ANCHORED_DOMAIN = Pattern.compile(DOMAIN);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

    /** Parses {@code image}, or throws with the reason it is not a reference. */
    public static ImageReference parse(String image) {
        if (image == null || image.isEmpty()) {
            throw new InvalidImageReferenceException("image reference is empty");
        }
        if (image.length() > NAME_TOTAL_LENGTH_MAX + 1 + 128 + 1 + 7 + 128) {
            throw new InvalidImageReferenceException("image reference is too long");
        }
        Matcher matcher = REFERENCE.matcher(image);
        if (!matcher.matches()) {
            throw new InvalidImageReferenceException(explainMismatch(image));
        }
        String name = matcher.group(1);
        if (name.length() > NAME_TOTAL_LENGTH_MAX) {
            throw new InvalidImageReferenceException(
                    "repository name is longer than " + NAME_TOTAL_LENGTH_MAX + " characters");
        }
        String digest = matcher.group(5);
        if (digest != null) {
            checkDigest(digest);
        }
        return normalise(image, name, matcher.group(4), digest);
    }

    /** The repository with its registry: {@code docker.io/library/nginx}. */
    public String repository() {
        return domain + "/" + path;
    }

    /** The normalised reference: one spelling for {@code nginx:1.27} and {@code docker.io/library/nginx:1.27}. */
    public String canonical() {
        return repository() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** The same image addressed only by digest, or null when the reference has no digest. */
    public String byDigest() {
        return digest == null ? null : repository() + "@" + digest;
    }

    public boolean isDigestPinned() {
        return digest != null;
    }

    /** This image's repository at {@code digest} (already checked), e.g. what a tag pointed to when it was looked up. */
    public ImageReference at(String digest) {
        return new ImageReference(repository() + "@" + digest, domain, path, null, digest);
    }

    private static ImageReference normalise(String original, String name, String tag, String digest) {
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        // As in ParseNormalizedNamed: the first component is a registry only if it looks like a host.
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":")
                || first.equals("localhost") || !first.equals(first.toLowerCase(Locale.ROOT)));
        String domain = hasRegistry ? first : DOCKER_HUB;
        String path = hasRegistry ? name.substring(slash + 1) : name;
        if (hasRegistry && !ANCHORED_DOMAIN.matcher(domain).matches()) {
            throw new InvalidImageReferenceException("registry host " + domain + " is not valid");
        }
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            throw new InvalidImageReferenceException("repository name must be lowercase");
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (IDENTIFIER.matcher(name).matches()) {
            throw new InvalidImageReferenceException("repository name cannot be a 64-character hexadecimal identifier");
        }
        return new ImageReference(original, domain, path, tag, digest);
    }

    private static void checkDigest(String digest) {
        int colon = digest.indexOf(':');
        String algorithm = digest.substring(0, colon);
        String hex = digest.substring(colon + 1);
        int expectedLength = switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> throw new InvalidImageReferenceException("digest algorithm " + algorithm + " is not supported");
        };
        if (hex.length() != expectedLength || !hex.equals(hex.toLowerCase(Locale.ROOT))) {
            throw new InvalidImageReferenceException(
                    "digest must be " + algorithm + ":<" + expectedLength + " lowercase hex characters>");
        }
    }

    private static String explainMismatch(String image) {
        if (image.chars().anyMatch(Character::isWhitespace)) {
            return "image reference contains whitespace";
        }
        if (REFERENCE.matcher(image.toLowerCase(Locale.ROOT)).matches()) {
            return "repository name must be lowercase";
        }
        int at = image.indexOf('@');
        if (at >= 0 && !image.substring(at + 1).matches(DIGEST)) {
            return "digest is not in the form algorithm:hex";
        }
        String beforeDigest = at >= 0 ? image.substring(0, at) : image;
        int lastSlash = beforeDigest.lastIndexOf('/');
        int colon = beforeDigest.lastIndexOf(':');
        if (colon > lastSlash && !beforeDigest.substring(colon + 1).matches(TAG)) {
            return "tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        }
        return "image reference does not match the distribution reference grammar "
                + "([registry[:port]/]path[:tag][@algorithm:hex], lowercase path)";
    }
}
