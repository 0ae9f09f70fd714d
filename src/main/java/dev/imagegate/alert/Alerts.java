package dev.imagegate.alert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.imagegate.policy.Remedy;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.component.seda.SedaEndpoint;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns decisions into alerts for {@code routes/alerts.yaml}: which alert, at most once per window; counts what
 * each sink took, dropped and failed, and is the {@code alerts} health component.
 */
@Component("alerts")
public class Alerts implements HealthIndicator {

    /** The sinks routes/alerts.yaml ships with. */
    private static final List<String> SINKS = List.of("webhook", "slack", "email");

    private final AlertProperties properties;
    private final Cache<String, Boolean> recentlySent;
    private final MeterRegistry meters;
    private final Map<String, String> failing = new ConcurrentHashMap<>();

    public Alerts(AlertProperties properties, MeterRegistry meters) {
        this.properties = properties;
        this.meters = meters;
        this.recentlySent = Caffeine.newBuilder().expireAfterWrite(properties.window()).maximumSize(100_000).build();
        // At zero from the start: Prometheus' increase() cannot see a series' first sample, so the first
        // dead-lettered alert would not alert.
        for (String sink : SINKS) {
            List.of("imagegate.alerts.sent", "imagegate.alerts.dropped", "imagegate.alerts.failed")
                    .forEach(name -> meters.counter(name, "sink", sink));
        }
    }

    /**
     * Whether a decision raises an alert: a look at its mode and verdicts, before anything is formatted. A dry
     * run ({@code kubectl --dry-run=server}) raises none: nothing was created.
     */
    public boolean raises(Decision decision) {
        if (decision.subject() != null && decision.subject().dryRun()) {
            return false;
        }
        String kind = kindOf(decision);
        return kind != null && properties.on().contains(kind);
    }

    /** The alert a decision raises, or null when it raises none. */
    public Alert of(Decision decision) {
        if (!raises(decision)) {
            return null;
        }
        String kind = kindOf(decision);
        List<Alert.ImageVerdict> verdicts = decision.verdicts().stream().map(this::imageVerdict).toList();
        return new Alert(decision.decidedAt(), kind, decision.namespace(), decision.mode(), decision.allowed(),
                decision.verdicts().stream().map(Verdict::image).toList(), decision.reason(), verdicts, decision.subject());
    }

    /** True the first time this namespace, these images and this kind alert within the window. */
    public boolean firstInWindow(Alert alert) {
        String key = alert.kind() + "\n" + alert.namespace() + "\n" + String.join("\n", alert.images());
        boolean first = recentlySent.asMap().putIfAbsent(key, Boolean.TRUE) == null;
        if (!first) {
            meters.counter("imagegate.alerts.suppressed").increment();
        }
        return first;
    }

    /**
     * Whether the sink's queue can take one more alert; when it cannot, the alert is dropped and counted here,
     * cheaper than letting the full queue throw for every review while a sink hangs.
     */
    public boolean queueHasRoom(@Header("sink") String sink, CamelContext camel) {
        SedaEndpoint queue = camel.getEndpoint("seda:alert-" + sink, SedaEndpoint.class);
        if (queue.getQueue().remainingCapacity() > 0) {
            return true;
        }
        dropped(sink);
        return false;
    }

    /** Counts an alert a sink's full queue could not take. */
    public void dropped(@Header("sink") String sink) {
        meters.counter("imagegate.alerts.dropped", "sink", sink).increment();
    }

    /** Counts an alert a sink took (in {@code imagegate_alerts_sent_total}); the sink is well again. */
    public void delivered(@Header("sink") String sink) {
        meters.counter("imagegate.alerts.sent", "sink", sink).increment();
        failing.remove(sink);
    }

    /** Counts an alert a sink still refused after its retries; the sink shows as failing until one goes through. */
    public void failed(@Header("sink") String sink, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable cause) {
        meters.counter("imagegate.alerts.failed", "sink", sink).increment();
        failing.put(sink, "last alert failed after retries at " + Instant.now() + " ("
                + (cause == null ? "unknown" : cause.getClass().getSimpleName()) + ")");
    }

    /**
     * UNKNOWN while a sink's last alert failed after its retries, naming the sink and the failure; not part of
     * readiness: a chat service down must not stop admission.
     */
    @Override
    public Health health() {
        return failing.isEmpty() ? Health.up().build() : Health.unknown().withDetails(new TreeMap<>(failing)).build();
    }

    private static String kindOf(Decision decision) {
        boolean wouldDeny = decision.verdicts().stream().anyMatch(v -> !v.allowed() || v.wouldBeDeniedBySignature());
        if (decision.mode().equals("break-glass")) {
            return "break-glass";
        }
        if (!decision.allowed()) {
            return "denied";
        }
        if (wouldDeny) {
            return "audit";
        }
        return decision.verdicts().stream().anyMatch(v -> v.status() == Verdict.Status.SCAN_FAILED) ? "scan-failure" : null;
    }

    private Alert.ImageVerdict imageVerdict(Verdict verdict) {
        List<Alert.TopFinding> findings = verdict.findings().stream().limit(properties.findings())
                .map(f -> new Alert.TopFinding(f.vulnerabilityId(), f.severity().name(), f.packageName(),
                        f.installedVersion(), f.fixedVersion()))
                .toList();
        Remedy remedy = verdict.remedy();
        String summary = remedy != null && remedy.problem() != null ? "denied: " + remedy.problem() : verdict.reason();
        return new Alert.ImageVerdict(verdict.image(), verdict.status().name(), verdict.allowed(), verdict.reason(), findings,
                remedy == null || remedy.fixes().isEmpty() ? null : remedy.fixes(),
                remedy == null || remedy.unfixed().isEmpty() ? null : remedy.unfixed(),
                remedy == null ? null : remedy.osEndOfSupport(), summary);
    }
}
