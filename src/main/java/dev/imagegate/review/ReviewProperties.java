package dev.imagegate.review;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.net.InetAddress;
import java.time.Duration;

/**
 * How reviews are answered ({@code imagegate.review.*}).
 *
 * @param port        the port of {@code POST /scan} (the actuator stays on {@code server.port})
 * @param address     the address {@code POST /scan} listens on: {@code 0.0.0.0}, every interface (as in a pod), by
 *                    default; e.g. {@code 127.0.0.1} behind a proxy on the same host
 * @param sslBundle   the Spring SSL bundle to serve HTTPS with, requiring a client certificate it trusts;
 *                    none for plain HTTP
 * @param deadline    every review is answered within this time; scans not finished by then are pending
 *                    (what pending means is the policy's {@code onPending}, by default
 *                    {@code imagegate.review.on-pending}). Keep it well under the API server's fixed 30 s.
 * @param maxBodySize larger requests get 413, gzip bodies counted as decoded
 * @param maxInFlight reviews answered at once; more get 429 with Retry-After
 * @param readTimeout a client must have sent its whole request body within this; slower ones get 408
 * @param maxEventLoopTime a route step that holds a Vert.x event loop longer than this is logged (a WARN with its
 *                    stack, by Vert.x's blocked-thread checker): the review routes run there and must not block
 */
@ConfigurationProperties("imagegate.review")
public record ReviewProperties(int port, InetAddress address, String sslBundle, Duration deadline, DataSize maxBodySize, int maxInFlight,
                               Duration readTimeout, Duration maxEventLoopTime) {

    public boolean tls() {
        return sslBundle != null && !sslBundle.isBlank();
    }
}
