package dev.imagegate.tags;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.imagegate.cache.CacheProperties;
import dev.imagegate.image.ImageReference;
import dev.imagegate.process.ProcessSlots;
import dev.imagegate.process.ScannerBusyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Which digest a tag points to now, as its registry says ({@code crane digest}, a manifest HEAD), trusted for
 * {@code imagegate.cache.tag-ttl}. Reviews of one tag share one lookup, at most
 * {@code imagegate.crane.max-concurrent} run at once, each within {@code imagegate.crane.timeout}. When the
 * registry cannot be asked, the last digest it confirmed is used until {@code imagegate.cache.tag-grace} after
 * that confirmation; then the image is a scan error.
 */
@Component
public class TagResolver {

    private static final Logger log = LoggerFactory.getLogger(TagResolver.class);

    private final ProducerTemplate crane;
    private final CraneCommand command;
    private final CacheProperties cache;
    private final Clock clock = Clock.systemUTC();
    private final ThreadPoolExecutor lookups;
    private final AsyncLoadingCache<String, TagDigest> tags;
    /** The digest each tag was last confirmed at, kept past tag-ttl: the grace, and noticing moves. */
    private final Cache<String, TagDigest.Confirmed> lastConfirmed;
    private final Set<String> loggedIn = ConcurrentHashMap.newKeySet();
    private final Counter moves;
    private final MeterRegistry meters;

    public TagResolver(ProducerTemplate crane, CraneCommand command, CraneProperties properties, CacheProperties cache,
                       MeterRegistry meters) {
        this.crane = crane;
        this.command = command;
        this.cache = cache;
        this.meters = meters;
        this.lookups = ProcessSlots.of("tag-lookup", properties.maxConcurrent(), properties.queueSize());
        this.tags = Caffeine.newBuilder()
                .maximumSize(cache.maxSize())
                .expireAfter(expiry())
                .refreshAfterWrite(cache.tagRefreshAfter())
                .buildAsync((String tag, Executor unused) -> lookUp(tag));
        this.lastConfirmed = Caffeine.newBuilder().maximumSize(cache.maxSize()).build();
        this.moves = Counter.builder("imagegate.tag.moves")
                .description("Tags found pointing at a different digest than when last looked up").register(meters);
    }

    /**
     * The image by digest: a digest reference as it is; a tag at the digest its registry serves now. Fails
     * with {@link UnresolvedTagException} when the registry cannot say, and is cancelled when too many lookups
     * wait already. A tag looked up within its TTL completes at once, on the caller's thread.
     */
    public CompletableFuture<ImageReference> pin(ImageReference image) {
        if (image.isDigestPinned()) {
            return CompletableFuture.completedFuture(image);
        }
        return tags.get(tagOf(image)).thenApply(digest -> {
            if (digest instanceof TagDigest.Unknown unknown) {
                throw new UnresolvedTagException(unknown.failure(), false);
            }
            return image.at(digest.usable().orElseThrow());
        });
    }

    /** Each looked-up tag ({@code repository:tag}) at the digest it points to, as far as ImageGate knows now. */
    public Map<String, ImageReference> pinnedTags() {
        Map<String, ImageReference> pinned = new LinkedHashMap<>();
        tags.synchronous().asMap().forEach((tag, digest) ->
                digest.usable().ifPresent(d -> pinned.put(tag, ImageReference.parse(tag).at(d))));
        return pinned;
    }

    /** Forgets a tag, so that its next review asks the registry; returns the digest it pointed to, if known. */
    public Optional<String> forget(ImageReference image) {
        String tag = tagOf(image);
        Optional<String> digest = Optional.ofNullable(tags.synchronous().getIfPresent(tag)).flatMap(TagDigest::usable)
                .or(() -> Optional.ofNullable(lastConfirmed.getIfPresent(tag)).map(TagDigest.Confirmed::digest));
        tags.synchronous().invalidate(tag);
        lastConfirmed.invalidate(tag);
        return digest;
    }

    public void forgetAll() {
        tags.synchronous().invalidateAll();
        lastConfirmed.invalidateAll();
    }

    private CompletableFuture<TagDigest> lookUp(String tag) {
        try {
            return CompletableFuture.supplyAsync(() -> resolve(tag), lookups);
        } catch (RejectedExecutionException e) {
            return remembered(tag).map(CompletableFuture::completedFuture)
                    .orElseGet(() -> CompletableFuture.failedFuture(new ScannerBusyException()));
        }
    }

    private TagDigest resolve(String tag) {
        ImageReference image = ImageReference.parse(tag);
        try {
            TagDigest.Confirmed now = new TagDigest.Confirmed(askRegistry(image), clock.instant());
            TagDigest.Confirmed before = lastConfirmed.asMap().put(tag, now);
            if (before != null && !before.digest().equals(now.digest())) {
                moves.increment();
                log.info("tag {} moved from {} to {}", tag, before.digest(), now.digest());
            }
            count("confirmed");
            return now;
        } catch (UnresolvedTagException e) {
            Optional<TagDigest> remembered = remembered(tag);
            if (remembered.isPresent()) {
                log.warn("could not look up {}: {}; using the digest last confirmed within imagegate.cache.tag-grace",
                        tag, e.getMessage());
                log.debug("lookup of {} failed", tag, e);
                count("remembered");
                return remembered.get();
            }
            log.warn("could not look up {}: {}", tag, e.getMessage());
            log.debug("lookup of {} failed", tag, e);
            count("failed");
            return new TagDigest.Unknown(e.getMessage());
        }
    }

    /** The digest the registry confirmed for {@code tag} within the grace, if any. */
    private Optional<TagDigest> remembered(String tag) {
        TagDigest.Confirmed last = lastConfirmed.getIfPresent(tag);
        if (last == null || !clock.instant().isBefore(last.confirmedAt().plus(cache.tagGrace()))) {
            return Optional.empty();
        }
        return Optional.of(new TagDigest.Remembered(last.digest(), last.confirmedAt()));
    }

    /**
     * Runs {@code crane digest}. With trivy's username and password, a registry that refuses crane gets them
     * (once, {@code crane auth login}) and is asked again: trivy too falls back between its credentials and
     * the docker config, so registries that need none keep working.
     */
    private String askRegistry(ImageReference image) {
        try {
            return run("direct:resolve-tag", image);
        } catch (UnresolvedTagException e) {
            if (!e.refused() || !command.hasCredentials() || !loggedIn.add(image.domain())) {
                throw e;
            }
            logIn(image.domain());
            return run("direct:resolve-tag", image);
        }
    }

    /** Once per registry: credentials the registry refuses are not sent again with every lookup. */
    private void logIn(String registry) {
        try {
            run("direct:crane-login", registry);
        } catch (UnresolvedTagException e) {
            loggedIn.remove(registry);
            throw e;
        }
    }

    private String run(String endpoint, Object body) {
        try {
            return crane.requestBody(endpoint, body, String.class);
        } catch (CamelExecutionException e) {
            if (e.getCause() instanceof UnresolvedTagException unresolved) {
                throw unresolved;
            }
            throw new UnresolvedTagException("could not run crane: " + e.getCause().getMessage(), false);
        }
    }

    private void count(String outcome) {
        meters.counter("imagegate.tag.lookups", "outcome", outcome).increment();
    }

    /** One key per tag however the pod spec spells it: {@code nginx} is {@code docker.io/library/nginx:latest}. */
    private static String tagOf(ImageReference image) {
        return image.repository() + ":" + (image.tag() == null ? "latest" : image.tag());
    }

    /** A confirmed digest is trusted for tag-ttl; a remembered one or a failure is retried after error-ttl. */
    private Expiry<String, TagDigest> expiry() {
        return Expiry.writing((String tag, TagDigest digest) -> {
            if (digest instanceof TagDigest.Confirmed) {
                return cache.tagTtl();
            }
            if (digest instanceof TagDigest.Remembered remembered) {
                return shortest(cache.errorTtl(),
                        Duration.between(clock.instant(), remembered.confirmedAt().plus(cache.tagGrace())));
            }
            return cache.errorTtl();
        });
    }

    private static Duration shortest(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : (b.isNegative() ? Duration.ZERO : b);
    }

    @PreDestroy
    void stop() {
        lookups.shutdownNow();
    }
}
