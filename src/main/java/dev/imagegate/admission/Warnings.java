package dev.imagegate.admission;

import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;

import java.util.ArrayList;
import java.util.List;

/**
 * What a person at kubectl should see about an admitted object without a denial: kubectl prints each as a
 * {@code Warning:} line. Each is kept within {@link #LIMIT} characters, as the API documentation asks of
 * webhooks (longer ones may be cut by the API server, and a long line helps nobody at a terminal).
 */
final class Warnings {

    static final int LIMIT = 120;

    private Warnings() {
    }

    static List<String> of(Decision decision) {
        List<String> warnings = new ArrayList<>();
        if (decision.mode().equals("break-glass")) {
            warnings.add("break-glass: admitted without enforcement (" + decision.auditAnnotations().get("break-glass") + ")");
        }
        if (decision.allowed()) {
            for (Verdict verdict : decision.failed()) {
                warnings.add(decision.mode() + ": would deny " + verdict.image() + ": " + verdict.reason());
            }
        }
        for (Verdict verdict : decision.verdicts()) {
            if (verdict.allowed() && verdict.status() == Verdict.Status.PENDING) {
                warnings.add(verdict.image() + ": admitted unscanned (on-pending: allow); " + verdict.reason());
            }
        }
        return warnings.stream().map(Warnings::fit).toList();
    }

    /** One line of at most {@link #LIMIT} characters. */
    static String fit(String warning) {
        String line = warning.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return line.length() <= LIMIT ? line : line.substring(0, LIMIT - 3) + "...";
    }
}
