package dev.imagegate.review;

import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.Severity;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The answer to one ImageReview: allowed only if every image is allowed, unless the namespace is audited or
 * the pod broke the glass, in which case it is admitted and the would-be denial recorded.
 *
 * @param mode             {@code enforce}, {@code audit} or {@code break-glass}
 * @param reason           what {@code kubectl} shows on a deny: each denied image and why, on one line
 * @param auditAnnotations recorded by the API server as {@code imagepolicywebhook.image-policy.k8s.io/<key>}
 */
public record Decision(Instant decidedAt, String namespace, String mode, boolean allowed, String reason,
                       List<Verdict> verdicts, Map<String, String> auditAnnotations) {

    /** kubectl shows the whole reason; past this it is noise, and the API server's audit log pays for it. */
    static final int REASON_LIMIT = 1024;
    private static final int MORE_SUFFIX_ROOM = 40;
    private static final int SHARE_MIN = 160;
    static final int IMAGE_SHOWN_LIMIT = 200;
    static final int ANNOTATION_VALUE_LIMIT = 512;
    private static final Pattern CONTROL_CHARACTER = Pattern.compile("\\p{Cntrl}");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    public Decision {
        verdicts = List.copyOf(verdicts);
        auditAnnotations = Collections.unmodifiableMap(new LinkedHashMap<>(auditAnnotations));
    }

    public static Decision of(String namespace, List<Verdict> verdicts, Enforcement enforcement, Instant now) {
        boolean passed = verdicts.stream().allMatch(Verdict::allowed);
        String mode = enforcement.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
        boolean allowed = passed || !enforcement.denies();
        String reason = passed ? "" : (allowed ? mode + ": would deny: " : "") + denialReason(verdicts);
        Map<String, String> annotations = auditAnnotations(allowed, verdicts);
        annotations.put("mode", mode);
        if (!passed && allowed) {
            annotations.put("would-deny", truncate(denialReason(verdicts), ANNOTATION_VALUE_LIMIT));
        }
        if (enforcement.breakGlassReason() != null) {
            annotations.put("break-glass", truncate(oneLine(enforcement.breakGlassReason()), ANNOTATION_VALUE_LIMIT));
        }
        return new Decision(now, namespace, mode, allowed, truncate(reason, REASON_LIMIT), verdicts,
                Collections.unmodifiableMap(annotations));
    }

    /** The keys the API server keeps: Kubernetes qualified names without a prefix. */
    public static boolean isValidAnnotationKey(String key) {
        return QUALIFIED_NAME.matcher(key).matches();
    }

    static String denialReason(List<Verdict> verdicts) {
        List<Verdict> denied = verdicts.stream().filter(v -> !v.allowed()).toList();
        int room = REASON_LIMIT - MORE_SUFFIX_ROOM;
        // Each denied image gets its share of the line: one image's list of fixes must not crowd out the next image.
        int share = Math.max(SHARE_MIN, (room - 2 * (denied.size() - 1)) / denied.size());
        List<String> denials = denied.stream()
                .map(v -> shown(v.image()) + ": " + oneLine(v.reasonWithin(share - shown(v.image()).length() - 2))).toList();
        StringBuilder reason = new StringBuilder(truncate(denials.get(0), room));
        int shown = 1;
        while (shown < denials.size() && reason.length() + 2 + denials.get(shown).length() <= room) {
            reason.append("; ").append(denials.get(shown++));
        }
        if (shown < denials.size()) {
            reason.append("; and ").append(denials.size() - shown).append(" more denied image(s)");
        }
        return reason.toString();
    }

    private static Map<String, String> auditAnnotations(boolean allowed, List<Verdict> verdicts) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("decision", allowed ? "allowed" : "denied");
        annotations.put("images-reviewed", String.valueOf(verdicts.size()));
        List<Verdict> denied = verdicts.stream().filter(v -> !v.allowed()).toList();
        if (!denied.isEmpty()) {
            annotations.put("denied-images", truncate(denied.stream().map(v -> shown(v.image()))
                    .collect(Collectors.joining(",")), ANNOTATION_VALUE_LIMIT));
        }
        List<String> pinnedTags = verdicts.stream().filter(v -> v.digest() != null && !v.image().endsWith("@" + v.digest()))
                .map(v -> shown(v.image()) + "@" + v.digest()).toList();
        if (!pinnedTags.isEmpty()) {
            // The tag names what the pod asked for; the digest is what was judged (and what a re-pushed tag no longer is).
            annotations.put("image-digests", truncate(String.join(",", pinnedTags), ANNOTATION_VALUE_LIMIT));
        }
        verdicts.stream().map(Verdict::highest).filter(Objects::nonNull).max(Severity::compareTo)
                .ifPresent(highest -> annotations.put("highest-severity", highest.name()));
        long pending = verdicts.stream().filter(v -> v.status() == Verdict.Status.PENDING).count();
        if (pending > 0) {
            annotations.put("pending-images", String.valueOf(pending));
        }
        List<String> exceptions = verdicts.stream().flatMap(v -> v.exceptions().stream()).distinct().toList();
        if (!exceptions.isEmpty()) {
            annotations.put("exceptions-applied", truncate(oneLine(String.join("; ", exceptions)), ANNOTATION_VALUE_LIMIT));
        }
        return annotations;
    }

    /** An image as quoted in a reason: hostile strings are cut short and kept on one line. */
    static String shown(String image) {
        return truncate(oneLine(image.isEmpty() ? "\"\"" : image), IMAGE_SHOWN_LIMIT);
    }

    private static String oneLine(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return CONTROL_CHARACTER.matcher(text).replaceAll("?");
            }
        }
        return text;
    }

    private static String truncate(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, Math.max(0, limit - 3)) + "...";
    }
}
