package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.component.exec.ExecResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * What {@code trivy version --format json} says about the scanner and its vulnerability DB, refreshed by the
 * {@code trivy-version} route. The DB's age is exported as {@code imagegate_trivy_db_age_seconds}.
 *
 * <p>With {@code imagegate.trivy.db-refresh}, also when the DB is due for a download: a failed download leaves
 * the DB on disk serving and is tried again after a sixteenth of the period, then after twice as long each time,
 * up to the period; {@link #refreshError()} says why meanwhile.
 */
@Component
public class TrivyDatabase {

    private static final Logger log = LoggerFactory.getLogger(TrivyDatabase.class);
    private static final int FIRST_RETRY_DIVISOR = 16;

    private final ObjectMapper mapper;
    private final MeterRegistry meters;
    private final Duration refreshPeriod;
    private final boolean scansDownloadDb;
    private final Clock clock = Clock.systemUTC();
    private volatile String scannerVersion;
    private volatile Instant updatedAt;
    private volatile Instant nextRefresh = Instant.MIN;
    private volatile int failedRefreshes;
    private volatile String refreshError;
    private volatile String downloadError;

    public TrivyDatabase(ObjectMapper mapper, MeterRegistry meters, TrivyProperties properties) {
        this.mapper = mapper;
        this.meters = meters;
        this.refreshPeriod = properties.dbRefresh();
        this.scansDownloadDb = !properties.clientServerMode() && !properties.scansSkipDbUpdate();
        Gauge.builder("imagegate.trivy.db.age", this, db -> db.age().map(age -> (double) age.toSeconds()).orElse(Double.NaN))
                .baseUnit("seconds").description("Time since trivy's vulnerability DB was built").register(meters);
    }

    /** Reads trivy's answer; a failing trivy leaves the last known values, logged. */
    public void update(ExecResult result) throws IOException {
        if (result.getExitValue() != 0) {
            log.warn("trivy version failed (exit {}): {}", result.getExitValue(),
                    TrivyOutput.explain(new String(result.getStderr().readAllBytes())));
            return;
        }
        read(result.getStdout());
    }

    /** Reads the Trivy server's {@code /version} (client/server mode): its DB is the one scans are judged by. */
    public void updateFromServer(InputStream json) throws IOException {
        read(json);
    }

    private void read(InputStream json) throws IOException {
        JsonNode version = mapper.readTree(json);
        scannerVersion = version.path("Version").asText(null);
        Instant previous = updatedAt;
        try {
            String updated = version.path("VulnerabilityDB").path("UpdatedAt").asText("");
            updatedAt = updated.isEmpty() ? null : Instant.parse(updated);
        } catch (DateTimeParseException e) {
            updatedAt = null;
        }
        if (previous != null && updatedAt != null && updatedAt.isAfter(previous)) {
            log.info("trivy's vulnerability DB was updated: built {}, was {}; older results are rescanned", updatedAt, previous);
        }
    }

    /** How often the refresh timer looks whether a download is due: the first retry's delay (a second at least). */
    static Duration refreshTick(Duration period) {
        Duration tick = period.dividedBy(FIRST_RETRY_DIVISOR);
        return tick.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tick;
    }

    public boolean refreshDue() {
        return !clock.instant().isBefore(nextRefresh);
    }

    /** Records how {@code trivy image --download-db-only} went, and when to download next. */
    public void refreshed(ExecResult result) throws IOException {
        if (result.getExitValue() == 0) {
            meters.counter("imagegate.trivy.db.refreshes", "result", "success").increment();
            failedRefreshes = 0;
            refreshError = null;
            nextRefresh = clock.instant().plus(refreshPeriod);
            log.info("trivy vulnerability DB refreshed");
            return;
        }
        meters.counter("imagegate.trivy.db.refreshes", "result", "failure").increment();
        Duration retry = refreshTick(refreshPeriod).multipliedBy(1L << Math.min(failedRefreshes, 20));
        retry = retry.compareTo(refreshPeriod) > 0 ? refreshPeriod : retry;
        failedRefreshes++;
        nextRefresh = clock.instant().plus(retry);
        refreshError = "vulnerability DB refresh failed " + failedRefreshes + " time(s), last at " + clock.instant()
                + " (exit " + result.getExitValue() + "): "
                + TrivyOutput.explain(result.getStderr() == null ? "" : new String(result.getStderr().readAllBytes()))
                + "; scanning with the DB on disk, next try in " + retry;
        log.warn(refreshError);
    }

    /**
     * Whether trivy answered but has no DB, and ImageGate downloads it itself: ImageGate is not ready without
     * one, so no review comes whose scan would download it. Never with {@code skip-db-update} (the DB is given)
     * or {@code db-refresh} (its timer downloads at start).
     */
    public boolean firstDownloadDue() {
        return scansDownloadDb && scannerVersion != null && updatedAt == null;
    }

    /** Records how the first {@code trivy image --download-db-only} went; a failure is tried again with the version check. */
    public void downloaded(ExecResult result) throws IOException {
        if (result.getExitValue() == 0) {
            downloadError = null;
            log.info("trivy vulnerability DB downloaded");
            return;
        }
        downloadError = "the download failed at " + clock.instant() + " (exit " + result.getExitValue() + "): "
                + TrivyOutput.explain(result.getStderr() == null ? "" : new String(result.getStderr().readAllBytes()))
                + "; tried again in 5 minutes";
        log.warn("trivy has no vulnerability DB: {}", downloadError);
    }

    /** Why the first download of the DB failed, or null when it did not (or none ran). */
    public String downloadError() {
        return downloadError;
    }

    /** Why the last DB refresh failed, or null when it did not (or none ran). */
    public String refreshError() {
        return refreshError;
    }

    public String scannerVersion() {
        return scannerVersion;
    }

    /** When trivy's vulnerability DB was built, which tells DB versions apart; null until trivy has one. */
    public Instant updatedAt() {
        return updatedAt;
    }

    /** How old the vulnerability DB is, when trivy has one. */
    public Optional<Duration> age() {
        Instant updated = updatedAt;
        return updated == null ? Optional.empty() : Optional.of(Duration.between(updated, clock.instant()));
    }
}
