package dev.imagegate.review;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The API server's {@code ?timeout=} (a Go duration) can only ever shorten the configured deadline. */
class CallerTimeoutTest {

    @ParameterizedTest(name = "deadline {0}, ?timeout={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
            // ImagePolicyWebhook's fixed 30 s: the configured 20 s stands.
            "PT20S, 30s,        PT20S",
            // A webhook's timeoutSeconds (10 s default, 15 s in deploy/): that less 1 s.
            "PT20S, 10s,        PT9S",
            "PT20S, 15s,        PT14S",
            "PT5S,  15s,        PT5S",
            "PT20S, 1m30s,      PT20S",
            "PT20S, 2.5s,       PT1.5S",
            "PT20S, 1500ms,     PT0.5S",
            // At or under the margin: decide at once with what is known.
            "PT20S, 1s,         PT0S",
            "PT20S, 200ms,      PT0S",
            // Not a Go duration: ignored.
            "PT20S, null,       PT20S",
            "PT20S, '',         PT20S",
            "PT20S, 10,         PT20S",
            "PT20S, 10x,        PT20S",
            "PT20S, -5s,        PT20S",
            "PT20S, 5s;drop,    PT20S",
            "PT20S, 99999999999999999999999999999999999h, PT20S"})
    void theDeadlineIsTheSmallerOfTheConfiguredOneAndTheCallersLessAMargin(Duration configured, String timeout,
                                                                          Duration expected) {
        assertThat(CallerTimeout.deadline(configured, timeout)).isEqualTo(expected);
    }
}
