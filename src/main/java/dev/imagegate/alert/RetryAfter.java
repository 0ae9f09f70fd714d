package dev.imagegate.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * Waits as long as a rate-limited or overloaded sink asks before the next try: a 429 or 503 answer's
 * {@code Retry-After} (seconds, or an HTTP date), at most {@code imagegate.alerts.max-retry-after}. Without one,
 * the sink's own backoff applies. Runs when a sink's delivery fails, before Camel decides when to try again: Camel
 * takes that delay from the {@link Exchange#REDELIVERY_DELAY} header when it is set.
 */
@Component("retryAfter")
public class RetryAfter implements Processor {

    private final Duration limit;
    private final Clock clock;

    @Autowired
    public RetryAfter(AlertProperties properties) {
        this(properties.maxRetryAfter(), Clock.systemUTC());
    }

    RetryAfter(Duration limit, Clock clock) {
        this.limit = limit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Exception failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Optional<Duration> asked = asked(failure);
        if (asked.isPresent()) {
            exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, min(asked.get(), limit).toMillis());
        } else {
            // An earlier failure's wait does not carry over to this one.
            exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
        }
    }

    /** How long the sink asked to be left alone, if it answered 429 or 503 with a Retry-After it can be read from. */
    Optional<Duration> asked(Exception failure) {
        if (!(failure instanceof HttpOperationFailedException answer)
                || answer.getStatusCode() != 429 && answer.getStatusCode() != 503 || answer.getResponseHeaders() == null) {
            return Optional.empty();
        }
        return answer.getResponseHeaders().entrySet().stream()
                .filter(header -> header.getKey().equalsIgnoreCase("Retry-After"))
                .map(Map.Entry::getValue)
                .findFirst()
                .flatMap(this::parse);
    }

    private Optional<Duration> parse(String value) {
        String trimmed = value.trim();
        try {
            long seconds = Long.parseLong(trimmed);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(clock.instant(), ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
