package dev.imagegate.policy;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The policy in force, read from {@code imagegate.policy.file} and read again when the file changes. The
 * file is compared by content, so an in-place write, a rename over it and a Kubernetes ConfigMap update (a
 * {@code ..data} symlink swap) all count. A file that does not parse or validate leaves the previous policy
 * in force; the error is logged with its line and field and shown by {@link PolicyHealthIndicator}.
 */
@Component("policyStore")
public class PolicyStore {

    private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);

    private final PolicyProperties properties;
    private final Action onPending;
    private final Clock clock;
    private final MeterRegistry meters;

    private volatile Policy current;
    private volatile byte[] loadedContent;
    private volatile Instant loadedAt;
    private volatile String lastError;

    public PolicyStore(PolicyProperties properties, @Value("${imagegate.review.on-pending}") String onPending,
                       MeterRegistry meters) {
        this.properties = properties;
        this.onPending = Action.valueOf(onPending.trim().toUpperCase(Locale.ROOT));
        this.clock = Clock.systemUTC();
        this.meters = meters;
        this.current = Policy.builtIn(this.onPending, clock);
        // At zero from the start: Prometheus' increase() cannot see a series' first sample, so the first
        // rejected edit would not alert.
        List.of("success", "failure").forEach(result -> meters.counter("imagegate.policy.reloads", "result", result));
        reloadIfChanged();
    }

    public Policy current() {
        return current;
    }

    /** Called by the {@code policy-reload} timer route. */
    public synchronized void reloadIfChanged() {
        byte[] content;
        try {
            content = Files.readAllBytes(properties.file());
        } catch (NoSuchFileException e) {
            if (loadedContent != null) {
                fail("policy file " + properties.file() + " is missing; keeping the policy loaded at " + loadedAt, null);
            } else if (loadedAt == null) {
                loadedAt = clock.instant();
                log.info("no policy file at {}: the built-in rule applies (deny at or above HIGH)", properties.file());
            }
            return;
        } catch (IOException e) {
            fail("policy file " + properties.file() + " cannot be read: " + e.getMessage(), null);
            return;
        }
        if (Arrays.equals(content, loadedContent)) {
            return;
        }
        try {
            current = PolicyReader.read(content, directory(), onPending, clock);
            loadedContent = content;
            loadedAt = clock.instant();
            lastError = null;
            meters.counter("imagegate.policy.reloads", "result", "success").increment();
            log.info("policy loaded from {}", properties.file());
        } catch (InvalidPolicyException e) {
            fail("policy file " + properties.file() + " " + e.getMessage() + "; keeping the previous policy", content);
        }
    }

    /** Why the file on disk is not the policy in force, or null when it is. */
    public String lastError() {
        return lastError;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public Path file() {
        return properties.file();
    }

    /** Key files are named relative to the policy file. */
    private Path directory() {
        Path parent = properties.file().toAbsolutePath().getParent();
        return parent != null ? parent : Path.of(".");
    }

    private void fail(String error, byte[] content) {
        if (content != null) {
            loadedContent = content;
        }
        if (!error.equals(lastError)) {
            log.error(error);
            meters.counter("imagegate.policy.reloads", "result", "failure").increment();
        }
        lastError = error;
    }
}
