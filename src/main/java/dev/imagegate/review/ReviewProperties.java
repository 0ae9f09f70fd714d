package dev.imagegate.review;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * How reviews are answered ({@code imagegate.review.*}).
 *
 * @param deadline    every review is answered within this time; scans not finished by then are pending
 *                    (what pending means is the policy's {@code onPending}, by default
 *                    {@code imagegate.review.on-pending}). Keep it well under the API server's fixed 30 s.
 * @param maxBodySize larger requests get 413
 * @param maxInFlight reviews answered at once; more get 429 with Retry-After
 */
@ConfigurationProperties("imagegate.review")
public record ReviewProperties(Duration deadline, DataSize maxBodySize, int maxInFlight) {
}
