package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.component.exec.ExecResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * What {@code trivy version --format json} says about the scanner and its vulnerability DB, refreshed by the
 * {@code trivy-version} route. The DB's age is exported as {@code imagegate_trivy_db_age_seconds}.
 */
@Component
public class TrivyDatabase {

    private static final Logger log = LoggerFactory.getLogger(TrivyDatabase.class);

    private final ObjectMapper mapper;
    private final Clock clock = Clock.systemUTC();
    private volatile String scannerVersion;
    private volatile Instant updatedAt;

    public TrivyDatabase(ObjectMapper mapper, MeterRegistry meters) {
        this.mapper = mapper;
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
        JsonNode version = mapper.readTree(result.getStdout());
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
