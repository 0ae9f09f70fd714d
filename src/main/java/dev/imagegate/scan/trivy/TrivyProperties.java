package dev.imagegate.scan.trivy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Map;

/**
 * How ImageGate runs trivy ({@code imagegate.trivy.*}); defaults are in application.properties.
 *
 * @param command       the trivy executable, a name on PATH or a path
 * @param timeout       after this the trivy process is killed and the scan fails
 * @param server        a Trivy server URL: scans run in client/server mode when set
 * @param token         the Trivy server token, handed over in the environment, never on the command line
 * @param tokenHeader   the HTTP header the Trivy server reads the token from
 * @param cacheDir      trivy's cache directory (vulnerability DB), or blank for trivy's default
 * @param skipDbUpdate  scan with the DB as it is on disk; implied when {@code dbRefresh} is set
 * @param dbRefresh     how often a timer route runs {@code trivy image --download-db-only}, or null for never
 * @param environment   extra environment for trivy: registry credentials, proxies, {@code TRIVY_*} settings
 * @param maxReportSize a report larger than this fails the scan instead of filling the heap
 * @param maxDbAge      ImageGate is not ready while trivy's vulnerability DB is older than this
 */
@ConfigurationProperties("imagegate.trivy")
public record TrivyProperties(String command, Duration timeout, String server, String token, String tokenHeader,
                              String cacheDir, boolean skipDbUpdate, Duration dbRefresh,
                              Map<String, String> environment, DataSize maxReportSize, Duration maxDbAge) {

    public TrivyProperties {
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    public boolean clientServerMode() {
        return server != null && !server.isBlank();
    }

    public boolean scansSkipDbUpdate() {
        return !clientServerMode() && (skipDbUpdate || dbRefresh != null);
    }
}
