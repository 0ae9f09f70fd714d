package dev.imagegate.policy;

import dev.imagegate.scan.Finding;
import dev.imagegate.scan.ScanOutcome;
import dev.imagegate.scan.Severity;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Judges an image by what the scanner found: any vulnerability at or above the threshold (HIGH) denies
 * it; an invalid reference or a failed scan denies it too, because an admission check fails closed. An
 * image still being scanned is denied (the API server asks again) unless {@code imagegate.review.on-pending}
 * is {@code allow}.
 */
@Component
public class Policy {

    static final Severity THRESHOLD = Severity.HIGH;
    static final int CVES_NAMED = 3;

    private final boolean admitPending;

    public Policy(@Value("${imagegate.review.on-pending}") String onPending) {
        this.admitPending = switch (onPending.trim().toLowerCase(Locale.ROOT)) {
            case "allow" -> true;
            case "deny" -> false;
            default -> throw new IllegalArgumentException("imagegate.review.on-pending must be allow or deny, not " + onPending);
        };
    }

    public Verdict judge(String image, ScanOutcome outcome) {
        if (outcome instanceof ScanOutcome.Scanned scanned) {
            return judgeFindings(image, scanned.report().findings());
        }
        if (outcome instanceof ScanOutcome.InvalidImage invalid) {
            return Verdict.of(image, Verdict.Status.INVALID, false, "denied: invalid image reference: " + invalid.reason());
        }
        if (outcome instanceof ScanOutcome.ScanFailed failed) {
            return Verdict.of(image, Verdict.Status.SCAN_FAILED, false, "denied: scan failed: " + failed.reason());
        }
        String reason = ((ScanOutcome.Pending) outcome).reason();
        return Verdict.of(image, Verdict.Status.PENDING, admitPending, (admitPending ? "allowed: " : "denied: ") + reason);
    }

    private Verdict judgeFindings(String image, List<Finding> findings) {
        List<Finding> blocking = findings.stream().filter(f -> f.severity().isAtLeast(THRESHOLD)).toList();
        if (blocking.isEmpty()) {
            return Verdict.of(image, Verdict.Status.PASSED, true, "allowed: no vulnerabilities at or above " + THRESHOLD);
        }
        String reason = "denied: " + countsBySeverity(blocking) + " (" + firstIds(blocking) + ") at or above " + THRESHOLD;
        return new Verdict(image, Verdict.Status.VULNERABLE, false, reason, blocking, blocking.get(0).severity());
    }

    /** "3 CRITICAL, 12 HIGH": most severe first, as findings are sorted. */
    static String countsBySeverity(List<Finding> findings) {
        Map<Severity, Long> counts = new EnumMap<>(Severity.class);
        findings.forEach(f -> counts.merge(f.severity(), 1L, Long::sum));
        return findings.stream().map(Finding::severity).distinct()
                .map(severity -> counts.get(severity) + " " + severity)
                .collect(Collectors.joining(", "));
    }

    static String firstIds(List<Finding> findings) {
        List<String> ids = findings.stream().map(Finding::vulnerabilityId).distinct().toList();
        String named = String.join(", ", ids.subList(0, Math.min(CVES_NAMED, ids.size())));
        return ids.size() > CVES_NAMED ? named + ", ..." : named;
    }
}
