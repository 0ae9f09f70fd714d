package dev.imagegate.scan.trivy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import org.apache.camel.Variable;
import org.apache.camel.component.exec.ExecResult;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what the trivy process left behind (exit value, stdout, stderr) into a {@link ScanOutcome}. */
@Component
public class TrivyOutput {

    static final int REASON_LIMIT = 240;
    /** A process ended by a signal exits with 128 + the signal's number. */
    private static final int KILLED_BY_SIGNAL = 128;

    /**
     * Stable substrings of trivy's errors, and what a developer should read for each, first match wins. trivy wraps
     * every registry failure in "unable to find the specified image", so the causes come first: a registry that is
     * down must not read as an image that does not exist.
     */
    private static final List<Map.Entry<String, String>> KNOWN_ERRORS = List.of(
            Map.entry("--skip-db-update cannot be specified on the first run",
                    "vulnerability DB is missing (--skip-db-update cannot be specified on the first run)"),
            Map.entry("TOOMANYREQUESTS", "rate limited (TOOMANYREQUESTS)"),
            Map.entry("failed to download vulnerability DB", "failed to download vulnerability DB"),
            Map.entry("connection refused", "connection refused"),
            Map.entry("no such host", "host not found (no such host)"),
            Map.entry("x509:", "TLS certificate not trusted (x509)"),
            Map.entry("i/o timeout", "no answer in time (i/o timeout)"),
            Map.entry("context deadline exceeded", "trivy timed out (context deadline exceeded)"),
            Map.entry("UNAUTHORIZED", "registry refused the scanner's credentials (UNAUTHORIZED)"),
            Map.entry("DENIED", "registry denied the scanner access (DENIED)"),
            Map.entry("unable to find the specified image", "unable to find the specified image"),
            Map.entry("MANIFEST_UNKNOWN", "unable to find the specified image (MANIFEST_UNKNOWN)"),
            Map.entry("NAME_UNKNOWN", "unable to find the specified image (NAME_UNKNOWN)"),
            Map.entry("cache may be in use by another process", "trivy cache may be in use by another process"));
    /** Network failures, naming the peer (a registry, the Trivy server): checked before {@link #KNOWN_ERRORS}. */
    private static final List<Map.Entry<Pattern, String>> PEER_ERRORS = List.of(
            Map.entry(Pattern.compile("unexpected status code (\\d{3}[A-Za-z ]*)"), "registry answered %s"),
            Map.entry(Pattern.compile("dial tcp (\\S+): connect: connection refused"), "%s refused the connection"),
            Map.entry(Pattern.compile("dial tcp (\\S+): i/o timeout"), "%s did not answer in time (i/o timeout)"),
            Map.entry(Pattern.compile("lookup (\\S+?)(?: on \\S+)?: no such host"), "%s not found (no such host)"));

    private final ObjectMapper mapper;
    private final Duration timeout;
    private final Clock clock = Clock.systemUTC();

    public TrivyOutput(ObjectMapper mapper, TrivyProperties properties) {
        this.mapper = mapper;
        this.timeout = properties.timeout();
    }

    /** @param dbUpdatedAt the version of the vulnerability DB trivy had when it started, if known */
    public ScanOutcome outcome(ExecResult result, @Variable("dbUpdatedAt") Instant dbUpdatedAt) throws IOException {
        String stderr = text(result.getStderr());
        int exit = result.getExitValue();
        if (exit == TrivyProcessExecutor.KILLED_ON_TIMEOUT) {
            return new ScanOutcome.ScanFailed("trivy did not finish within " + timeout.toSeconds() + "s and was stopped");
        }
        if (exit == TrivyProcessExecutor.REPORT_TOO_LARGE) {
            return new ScanOutcome.ScanFailed("trivy's report is larger than imagegate.trivy.max-report-size");
        }
        if (exit > KILLED_BY_SIGNAL) {
            // Not ImageGate's doing (that is KILLED_ON_TIMEOUT): most often the kernel's OOM killer (signal 9).
            return new ScanOutcome.ScanFailed("trivy was killed by signal " + (exit - KILLED_BY_SIGNAL)
                    + (exit - KILLED_BY_SIGNAL == 9 ? " (out of memory?)" : ""));
        }
        if (exit != 0) {
            return new ScanOutcome.ScanFailed("trivy failed (exit " + exit + "): " + explain(stderr));
        }
        byte[] stdout = result.getStdout() == null ? new byte[0] : result.getStdout().readAllBytes();
        if (new String(stdout, StandardCharsets.UTF_8).isBlank()) {
            return new ScanOutcome.ScanFailed("trivy printed no report" + (stderr.isBlank() ? "" : ": " + explain(stderr)));
        }
        return report(stdout, dbUpdatedAt).<ScanOutcome>map(ScanOutcome.Scanned::new)
                .orElse(new ScanOutcome.ScanFailed("trivy's output is not a JSON report"));
    }

    /**
     * A {@code trivy image --format json} report, as trivy prints it or as a CI pipeline kept it; empty if it is
     * none. Every report trivy writes names its {@code SchemaVersion}; JSON without one is something else.
     */
    public Optional<ScanReport> report(byte[] json) {
        return report(json, null);
    }

    private Optional<ScanReport> report(byte[] json, Instant dbUpdatedAt) {
        try {
            JsonNode tree = mapper.readTree(json);
            if (tree == null || !tree.isObject() || !tree.has("SchemaVersion")) {
                return Optional.empty();
            }
            return Optional.of(mapper.treeToValue(tree, TrivyReport.class).toScanReport(clock.instant(), dbUpdatedAt));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public ScanOutcome failure(Exception exception) {
        return new ScanOutcome.ScanFailed("could not run trivy: " + oneLine(String.valueOf(exception.getMessage())));
    }

    /** The part of trivy's stderr a developer can act on, on one line. */
    public static String explain(String stderr) {
        for (Map.Entry<Pattern, String> peer : PEER_ERRORS) {
            Matcher failure = peer.getKey().matcher(stderr);
            if (failure.find()) {
                return peer.getValue().formatted(failure.group(1).trim());
            }
        }
        for (Map.Entry<String, String> known : KNOWN_ERRORS) {
            if (stderr.contains(known.getKey())) {
                return known.getValue();
            }
        }
        String lastLine = stderr.lines().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("no error message");
        int fatal = lastLine.indexOf("FATAL");
        String message = fatal >= 0 ? lastLine.substring(fatal + "FATAL".length()) : lastLine;
        return oneLine(message.replaceFirst("^\\s*(Fatal error)?\\s*", ""));
    }

    private static String oneLine(String text) {
        String collapsed = text.replaceAll("\\s+", " ").trim();
        return collapsed.length() <= REASON_LIMIT ? collapsed : collapsed.substring(0, REASON_LIMIT) + "...";
    }

    private static String text(InputStream stream) throws IOException {
        return stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    }
}
