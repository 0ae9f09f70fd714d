package dev.imagegate.server;

import dev.imagegate.review.ReviewProperties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.util.unit.DataSize;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code imagegate.review.address}: the address the review port is bound to. */
class ReviewServerAddressTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // imagegate.review.address, the host the server listens on
            "0.0.0.0,   0.0.0.0",
            "127.0.0.1, 127.0.0.1",
            "::1,       0:0:0:0:0:0:0:1"})
    void theReviewPortListensOnTheConfiguredAddress(String address, String host) throws Exception {
        ReviewProperties properties = new ReviewProperties(8080, InetAddress.getByName(address), "", Duration.ofSeconds(20),
                DataSize.ofMegabytes(1), 200, Duration.ofSeconds(10), Duration.ofSeconds(2));

        assertThat(new ReviewServer(properties, null, null, null, List.of()).getHost()).isEqualTo(host);
    }
}
