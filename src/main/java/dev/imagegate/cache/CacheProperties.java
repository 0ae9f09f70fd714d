package dev.imagegate.cache;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How long scan results and tag lookups are reused ({@code imagegate.cache.*}).
 *
 * @param ttl      a finished scan of a digest is reused this long
 * @param errorTtl a failed scan or tag lookup is remembered this long, so a broken image is not retried per request
 * @param maxSize  digests (and, separately, tags) kept at most; the least used go first
 * @param tagTtl   the digest a registry gave for a tag is trusted this long before the registry is asked again
 * @param tagGrace when the registry cannot be asked, a tag's last digest is still used until this long after the
 *                 registry last confirmed it; after that the image is a scan error
 */
@ConfigurationProperties("imagegate.cache")
public record CacheProperties(Duration ttl, Duration errorTtl, long maxSize, Duration tagTtl, Duration tagGrace) {

    /** Entries still read this close to their expiry are rescanned in the background. */
    public Duration refreshAfter() {
        return ttl.multipliedBy(4).dividedBy(5);
    }

    /** Tags still read this close to their expiry are looked up again in the background. */
    public Duration tagRefreshAfter() {
        return tagTtl.multipliedBy(4).dividedBy(5);
    }
}
