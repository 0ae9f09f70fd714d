package dev.imagegate.scan;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How long scan results are reused ({@code imagegate.cache.*}).
 *
 * @param ttl      a finished scan is reused this long
 * @param errorTtl a failed scan is remembered this long, so a broken image is not rescanned per request
 * @param maxSize  images kept at most; the least used go first
 */
@ConfigurationProperties("imagegate.cache")
public record CacheProperties(Duration ttl, Duration errorTtl, long maxSize) {

    /** Entries still read this close to their expiry are rescanned in the background. */
    public Duration refreshAfter() {
        return ttl.multipliedBy(4).dividedBy(5);
    }
}
