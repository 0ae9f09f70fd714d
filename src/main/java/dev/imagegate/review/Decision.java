package dev.imagegate.review;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.report.Severity;

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
 * @param reason           what {@code kubectl} shows on a deny: each denied image and why, on one line (after the
 *                         object, for the admission webhooks)
 * @param auditAnnotations recorded by the API server as {@code imagepolicywebhook.image-policy.k8s.io/<key>}
 *                         (ImagePolicyWebhook) or {@code <webhook name>/<key>} (admission webhooks)
 * @param subject          the object reviewed and who asked, or null (ImagePolicyWebhook names neither)
 * @param containers       the containers judged, for a door that pins them; not part of the audit line
 */
public record Decision(Instant decidedAt, String namespace, String mode, boolean allowed, String reason,
                       List<Verdict> verdicts, Map<String, String> auditAnnotations,
                       @JsonInclude(JsonInclude.Include.NON_NULL) ReviewRequest.Subject subject,
                       @JsonIgnore List<ReviewRequest.Container> containers) {

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
        containers = List.copyOf(containers);
    }

    /** A decision about images alone, in a namespace: no object, no container names. */
    public static Decision of(String namespace, List<Verdict> verdicts, Enforcement enforcement, Instant now) {
        return of(new ReviewRequest(List.of(), Map.of(), namespace, null), verdicts, enforcement, now);
    }

    public static Decision of(ReviewRequest request, List<Verdict> verdicts, Enforcement enforcement, Instant now) {
        boolean passed = verdicts.stream().allMatch(Verdict::allowed);
        String mode = enforcement.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
        boolean allowed = passed || !enforcement.denies();
        String denials = passed ? "" : denialReason(request, verdicts);
        String reason = passed ? "" : (allowed ? mode + ": would deny: " : "") + denials;
        Map<String, String> annotations = auditAnnotations(allowed, verdicts);
        annotations.put("mode", mode);
        if (!passed && allowed) {
            annotations.put("would-deny", truncate(denials, ANNOTATION_VALUE_LIMIT));
        }
        if (enforcement.breakGlassReason() != null) {
            annotations.put("break-glass", truncate(oneLine(enforcement.breakGlassReason()), ANNOTATION_VALUE_LIMIT));
        }
        return new Decision(now, request.namespace(), mode, allowed, truncate(reason, REASON_LIMIT), verdicts,
                Collections.unmodifiableMap(annotations), request.subject(), request.containers());
    }

    /** The verdicts that did not pass: what a denial (or, in audit, a would-be denial) names. */
    public List<Verdict> failed() {
        return verdicts.stream().filter(v -> !v.allowed()).toList();
    }

    /** The keys the API server keeps: Kubernetes qualified names without a prefix. */
    public static boolean isValidAnnotationKey(String key) {
        return QUALIFIED_NAME.matcher(key).matches();
    }

    /**
     * Each denied image and why, on one line; for the admission webhooks after the object ("Deployment
     * team-a/web: ") and with the containers that run each image, since a person at kubectl sees only this line.
     */
    static String denialReason(ReviewRequest request, List<Verdict> verdicts) {
        List<Verdict> denied = verdicts.stream().filter(v -> !v.allowed()).toList();
        String object = request.subject() == null ? "" : shown(request.subject().describe(request.namespace())) + ": ";
        int room = REASON_LIMIT - MORE_SUFFIX_ROOM - object.length();
        // Each denied image gets its share of the line: one image's list of fixes must not crowd out the next image.
        int share = Math.max(SHARE_MIN, (room - 2 * (denied.size() - 1)) / denied.size());
        List<String> denials = denied.stream().map(v -> {
            String image = shown(v.image()) + containerNames(request, v.image());
            return image + ": " + oneLine(v.reasonWithin(share - image.length() - 2));
        }).toList();
        StringBuilder reason = new StringBuilder(object).append(truncate(denials.get(0), room));
        room += object.length();
        int shown = 1;
        while (shown < denials.size() && reason.length() + 2 + denials.get(shown).length() <= room) {
            reason.append("; ").append(denials.get(shown++));
        }
        if (shown < denials.size()) {
            reason.append("; and ").append(denials.size() - shown).append(" more denied image(s)");
        }
        return reason.toString();
    }

    /** " (container app, sidecar)", or nothing when the caller named no containers. */
    private static String containerNames(ReviewRequest request, String image) {
        List<String> names = request.containers().stream().filter(c -> c.image().equals(image) && !c.name().isEmpty())
                .map(c -> truncate(oneLine(c.name()), IMAGE_SHOWN_LIMIT)).distinct().toList();
        return names.isEmpty() ? "" : " (container " + String.join(", ", names) + ")";
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
        List<Verdict> signed = verdicts.stream().filter(v -> v.signature() != null).toList();
        if (!signed.isEmpty()) {
            // One image: what its check found; several: each image with what its check found.
            annotations.put("signature", truncate(signed.size() == 1 ? signed.get(0).signature() : signed.stream()
                    .map(v -> shown(v.image()) + ": " + v.signature()).collect(Collectors.joining("; ")), ANNOTATION_VALUE_LIMIT));
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

    static String oneLine(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return CONTROL_CHARACTER.matcher(text).replaceAll("?");
            }
        }
        return text;
    }

    static String truncate(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, Math.max(0, limit - 3)) + "...";
    }
}
