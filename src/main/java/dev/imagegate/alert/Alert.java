package dev.imagegate.alert;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegate.policy.Remedy;
import dev.imagegate.review.ReviewRequest;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the people on call read about one decision worth their attention.
 *
 * @param kind    why it alerts: {@code denied}, {@code audit} (would have been denied), {@code break-glass},
 *                {@code scan-failure}
 * @param mode    the decision's mode: enforce, audit or break-glass
 * @param images  the images of the pod, as written
 * @param reason  the review's reason: each denied image once, with why and what to upgrade
 * @param verdicts each image's verdict, with its most severe findings and its fixes
 */
public record Alert(Instant time, String kind, String namespace, String mode, boolean allowed, List<String> images,
                    String reason, List<ImageVerdict> verdicts,
                    @JsonInclude(JsonInclude.Include.NON_NULL) ReviewRequest.Subject subject) {

    /** An alert about images alone (ImagePolicyWebhook names no object and no user). */
    public Alert(Instant time, String kind, String namespace, String mode, boolean allowed, List<String> images,
                 String reason, List<ImageVerdict> verdicts) {
        this(time, kind, namespace, mode, allowed, images, reason, verdicts, null);
    }

    /** "CREATE of Deployment team-a/web by alice", when an admission webhook said who asked for what. */
    @JsonIgnore
    public String request() {
        return subject == null ? null : subject.operation() + " of " + subject.describe(namespace)
                + (subject.user().isEmpty() ? "" : " by " + subject.user());
    }

    /** Fixes listed per image in an e-mail; the webhook gets them all, status.images and the audit line too. */
    static final int FIXES_LISTED = 50;
    static final int IMAGES_IN_TITLE = 3;

    /**
     * @param summary        what counts against the image, without the fixes (they are listed apart)
     * @param fixes          the packages to upgrade, as in status.images
     * @param unfixed        the packages with no fix yet
     * @param osEndOfSupport the OS release, when it is past its end of support
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageVerdict(String image, String status, boolean allowed, String reason, List<TopFinding> findings,
                               List<Remedy.Fix> fixes, List<Remedy.Unfixed> unfixed, String osEndOfSupport,
                               @JsonIgnore String summary) {
    }

    public record TopFinding(String vulnerabilityId, String severity, String packageName, String installedVersion,
                             String fixedVersion) {
    }

    /**
     * The images the alert is about: those denied (or that would be), else those whose scan failed; a clean
     * image beside them is no news.
     */
    @JsonIgnore
    public List<ImageVerdict> notable() {
        List<ImageVerdict> denied = verdicts.stream().filter(v -> !v.allowed()).toList();
        return !denied.isEmpty() ? denied : verdicts.stream().filter(v -> v.status().equals("SCAN_FAILED")).toList();
    }

    /** One line: subject of an email, first line of a chat message; names each notable image once. */
    public String title() {
        // An e-mail subject: an invalid reference, named as written, must not break the header's line.
        List<String> named = notable().stream().map(v -> v.image().replaceAll("\\p{Cntrl}", "?")).toList();
        return prefix() + String.join(", ", named.stream().limit(IMAGES_IN_TITLE).toList())
                + (named.size() > IMAGES_IN_TITLE ? ", and " + (named.size() - IMAGES_IN_TITLE) + " more" : "");
    }

    /** The log line: the kind and namespace, then each notable image once with why. */
    public String line() {
        return prefix() + (reason.isEmpty()
                ? notable().stream().map(v -> v.image() + ": " + v.reason()).collect(Collectors.joining("; "))
                : reason);
    }

    private String prefix() {
        return "[ImageGate] " + kind + " in namespace " + (namespace.isEmpty() ? "(none)" : namespace) + ": ";
    }

    /** The body of an e-mail: the title, then each notable image with what to upgrade, then the rest of the pod. */
    public String text() {
        StringBuilder text = new StringBuilder(title()).append("\n\n")
                .append(allowed ? "Admitted" : "Denied").append(" (mode ").append(mode).append(") at ").append(time)
                .append(" in namespace ").append(namespace.isEmpty() ? "(none)" : namespace).append(".\n");
        if (subject != null) {
            text.append("Request: ").append(request()).append(".\n");
        }
        for (ImageVerdict verdict : notable()) {
            text.append('\n').append(verdict.image()).append(": ").append(verdict.summary()).append('\n');
            if (verdict.osEndOfSupport() != null) {
                text.append("  ").append(verdict.osEndOfSupport())
                        .append(" is past end of support: rebuild on a supported base image\n");
            }
            list(text, "Upgrade", verdict.fixes(), Remedy::describe);
            list(text, "No fix yet", verdict.unfixed(), Remedy::describeWithVersion);
        }
        List<String> others = verdicts.stream().filter(v -> !notable().contains(v)).map(ImageVerdict::image).toList();
        if (!others.isEmpty()) {
            text.append("\nAlso in the pod, admitted: ").append(String.join(", ", others)).append('\n');
        }
        return text.toString();
    }

    private static <T> void list(StringBuilder text, String heading, List<T> items, Function<T, String> describe) {
        if (items == null || items.isEmpty()) {
            return;
        }
        text.append("  ").append(heading).append(":\n");
        items.stream().limit(FIXES_LISTED).forEach(item -> text.append("    ").append(describe.apply(item)).append('\n'));
        if (items.size() > FIXES_LISTED) {
            text.append("    and ").append(items.size() - FIXES_LISTED).append(" more (status.images, the audit log)\n");
        }
    }
}
