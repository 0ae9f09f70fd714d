package dev.imagegate.review;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ?timeout=} the API server puts on every webhook call: how long it waits before it gives up and
 * applies its failure policy (ImagePolicyWebhook: 30 s; admission webhooks: their {@code timeoutSeconds}, 10 s
 * by default). It is written as a Go duration ({@code 10s}, {@code 1m30s}, {@code 500ms}).
 */
final class CallerTimeout {

    /** Time kept back for the answer to be written and read after the review is decided. */
    static final Duration MARGIN = Duration.ofSeconds(1);
    /** Go's units; a Go duration is one or more of these, each a decimal number and a unit. */
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final int LONGEST = 32;

    private CallerTimeout() {
    }

    /**
     * The time this review may take: its configured deadline, or the caller's timeout less the margin when that
     * is shorter. A timeout that is not a Go duration is ignored: it can only ever shorten the deadline.
     */
    static Duration deadline(Duration configured, String timeout) {
        return parse(timeout).map(caller -> caller.minus(MARGIN)).filter(caller -> caller.compareTo(configured) < 0)
                .map(caller -> caller.isNegative() ? Duration.ZERO : caller).orElse(configured);
    }

    static Optional<Duration> parse(String timeout) {
        if (timeout == null || timeout.isEmpty() || timeout.length() > LONGEST) {
            return Optional.empty();
        }
        Matcher part = PART.matcher(timeout);
        double nanos = 0;
        int end = 0;
        while (part.lookingAt()) {
            nanos += Double.parseDouble(part.group(1)) * unitNanos(part.group(2));
            end = part.end();
            part.region(end, timeout.length());
        }
        return end == timeout.length() ? Optional.of(Duration.ofNanos((long) nanos)) : Optional.empty();
    }

    private static double unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
    }
}
