package dev.imagegate.alert;

import java.time.Instant;
import java.util.List;

/**
 * What the people on call read about one decision worth their attention.
 *
 * @param kind    why it alerts: {@code denied}, {@code audit} (would have been denied), {@code break-glass},
 *                {@code scan-failure}
 * @param mode    the decision's mode: enforce, audit or break-glass
 * @param images  the images of the pod, as written
 * @param verdicts each image's verdict, with its most severe findings
 */
public record Alert(Instant time, String kind, String namespace, String mode, boolean allowed, List<String> images,
                    String reason, List<ImageVerdict> verdicts) {

    public record ImageVerdict(String image, String status, boolean allowed, String reason, List<TopFinding> findings) {
    }

    public record TopFinding(String vulnerabilityId, String severity, String packageName, String installedVersion,
                             String fixedVersion) {
    }

    /** One line: subject of an email, first line of a chat message. */
    public String title() {
        return "[ImageGate] " + kind + " in namespace " + (namespace.isEmpty() ? "(none)" : namespace) + ": "
                + String.join(", ", images.stream().limit(3).toList()) + (images.size() > 3 ? ", ..." : "");
    }

    /** The title, the reason, then each image with its top findings: the body of an email or chat message. */
    public String text() {
        StringBuilder text = new StringBuilder(title()).append("\n\n")
                .append(allowed ? "Admitted" : "Denied").append(" (mode ").append(mode).append(") at ").append(time).append('\n')
                .append(reason.isEmpty() ? "" : reason + "\n");
        for (ImageVerdict verdict : verdicts) {
            text.append("\n- ").append(verdict.image()).append(": ").append(verdict.reason());
            for (TopFinding finding : verdict.findings()) {
                text.append("\n    ").append(finding.severity()).append(' ').append(finding.vulnerabilityId()).append(" in ")
                        .append(finding.packageName()).append(' ').append(finding.installedVersion())
                        .append(finding.fixedVersion() == null ? " (no fix yet)" : " (fixed in " + finding.fixedVersion() + ")");
            }
        }
        return text.append('\n').toString();
    }
}
