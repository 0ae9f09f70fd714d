package dev.imagegate.alert;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When the next try of an alert goes out after a sink's failure: what the sink's answer asks, within the limit. */
class RetryAfterTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final RetryAfter RETRY_AFTER = new RetryAfter(Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC));
    static final CamelContext CAMEL = new DefaultCamelContext();

    @ParameterizedTest(name = "{0} Retry-After: ''{1}'' -> {2} ms")
    @CsvSource(nullValues = "none", value = {
            // status, Retry-After, delay of the next try in ms (none: the sink's backoff)
            "429, 2,                              2000",
            "503, 1,                              1000",
            "429, 0,                              0",
            "429, ' 5 ',                          5000",
            "429, 3600,                           30000",
            "429, 'Mon, 02 Mar 2026 10:00:07 GMT', 7000",
            "429, 'Mon, 02 Mar 2026 09:59:00 GMT', 0",
            "429, 'Mon, 02 Mar 2026 11:00:00 GMT', 30000",
            "429, -1,                             none",
            "429, soon,                           none",
            "429, none,                           none",
            "500, 2,                              none",
            "404, 2,                              none"})
    void theNextTryWaitsWhatA429Or503AsksWithinTheLimit(int status, String retryAfter, Long delayMillis) throws Exception {
        Exchange exchange = new DefaultExchange(CAMEL);
        exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, 99_999L);
        exchange.setException(new HttpOperationFailedException("http://sink.test/hook", status, "status", null,
                retryAfter == null ? Map.of() : Map.of("Retry-After", retryAfter), ""));

        RETRY_AFTER.process(exchange);

        assertThat(exchange.getIn().getHeader(Exchange.REDELIVERY_DELAY, Long.class)).isEqualTo(delayMillis);
    }
}
