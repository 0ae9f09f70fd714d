package dev.imagegate.admission;

import dev.imagegate.policy.ExceptionRule;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a person at kubectl should see about an admitted object without a denial (would-be denials in audit and
 * break-glass, an image admitted unscanned, an exception that ends within two weeks): kubectl prints each as a
 * {@code Warning:} line. Each is kept within {@link #LIMIT} characters, as the API documentation asks of
 * webhooks (longer ones may be cut by the API server, and a long line helps nobody at a terminal).
 */
final class Warnings {

    static final int LIMIT = 120;
    private static final Pattern DIGEST = Pattern.compile("(@sha256:[0-9a-f]{12})[0-9a-f]{52}");
    /** An exception ending within this is named at every admission it excuses, while there is time to act. */
    static final Period EXCEPTION_NOTICE = Period.ofDays(14);

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
        LocalDate soon = LocalDate.ofInstant(decision.decidedAt(), ZoneOffset.UTC).plus(EXCEPTION_NOTICE);
        for (Verdict verdict : decision.verdicts()) {
            if (verdict.allowed() && verdict.status() == Verdict.Status.PENDING) {
                warnings.add(verdict.image() + ": admitted unscanned (on-pending: allow); " + verdict.reason());
            }
            for (String exception : verdict.exceptions()) {
                if (ExceptionRule.expiresIn(exception).filter(expires -> !expires.isAfter(soon)).isPresent()) {
                    warnings.add(verdict.image() + ": " + exception + " ends soon: fix or renew it");
                }
            }
        }
        return warnings.stream().map(Warnings::fit).toList();
    }

    /**
     * One line of at most {@link #LIMIT} characters. A digest is cut to its first 12 hex digits, as {@code docker}
     * and {@code crane} show it: after {@code /mutate} every reference carries one, and 71 characters of it would
     * leave no room for the reason.
     */
    static String fit(String warning) {
        String line = DIGEST.matcher(warning).replaceAll("$1").codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return line.length() <= LIMIT ? line : line.substring(0, LIMIT - 3) + "...";
    }
}
