package dev.imagegate.scan.trivy;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Ready to review only when the scanner can scan: in standalone mode trivy answered {@code version} and has a
 * vulnerability DB no older than {@code imagegate.trivy.max-db-age} (until the first one is in, the reason says
 * whether it is being downloaded or must be given); in client/server mode the Trivy server answers
 * {@code /healthz}. UNKNOWN, still ready, while the DB's refresh fails and the DB on disk serves.
 */
@Component("trivy")
public class TrivyHealthIndicator implements HealthIndicator {

    private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(2);

    private final TrivyProperties properties;
    private final TrivyDatabase database;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(SERVER_TIMEOUT).build();

    public TrivyHealthIndicator(TrivyProperties properties, TrivyDatabase database) {
        this.properties = properties;
        this.database = database;
    }

    @Override
    public Health health() {
        return properties.clientServerMode() ? serverHealth() : standaloneHealth();
    }

    private Health standaloneHealth() {
        if (database.scannerVersion() == null) {
            return Health.down().withDetail("reason", "trivy has not answered 'trivy version'").build();
        }
        Health.Builder health = Health.up().withDetail("version", database.scannerVersion());
        Optional<Duration> age = database.age();
        if (age.isEmpty()) {
            return Health.down().withDetail("reason", "no vulnerability DB yet: " + whyNoDb()).build();
        }
        if (age.get().compareTo(properties.maxDbAge()) > 0) {
            return Health.down().withDetail("reason", "vulnerability DB is " + age.get().toHours() + "h old, more than "
                    + properties.maxDbAge().toHours() + "h").build();
        }
        if (database.refreshError() != null) {
            // Still ready: the DB on disk is young enough to judge by, and the refresh is being retried.
            return Health.unknown().withDetail("reason", database.refreshError())
                    .withDetail("dbAgeHours", age.get().toHours()).build();
        }
        return health.withDetail("dbAgeHours", age.get().toHours()).build();
    }

    private String whyNoDb() {
        String cache = properties.cacheDir() == null || properties.cacheDir().isBlank()
                ? "trivy's default cache directory" : properties.cacheDir();
        if (properties.dbRefresh() != null) {
            return database.refreshError() != null ? database.refreshError()
                    : "imagegate.trivy.db-refresh is downloading it into " + cache;
        }
        if (properties.skipDbUpdate()) {
            return "imagegate.trivy.skip-db-update is set, so nothing downloads it: put a DB into " + cache
                    + " (see README, \"Offline and air-gapped\")";
        }
        return database.downloadError() != null ? database.downloadError()
                : "downloading it into " + cache + " (trivy image --download-db-only)";
    }

    private Health serverHealth() {
        URI healthz = URI.create(properties.server().replaceAll("/+$", "") + "/healthz");
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(healthz).timeout(SERVER_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200 ? Health.up().withDetail("server", healthz.toString()).build()
                    : Health.down().withDetail("reason", healthz + " answered " + response.statusCode()).build();
        } catch (IOException e) {
            return Health.down().withDetail("reason", healthz + " unreachable: " + e.getMessage()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("reason", "interrupted").build();
        }
    }
}
