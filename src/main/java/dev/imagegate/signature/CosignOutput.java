package dev.imagegate.signature;

import dev.imagegate.process.BoundedProcessExecutor;
import dev.imagegate.scan.trivy.TrivyOutput;
import org.apache.camel.component.exec.ExecResult;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Reads what {@code cosign verify} left behind: its exit code tells the cases apart. */
@Component
public class CosignOutput {

    /** cosign's exit code for an image without any signature. */
    static final int NO_SIGNATURES = 10;
    /** cosign's exit code when signatures exist but none verifies with the key. */
    static final int NO_MATCHING_SIGNATURE = 12;

    private final Duration timeout;

    public CosignOutput(CosignProperties properties) {
        this.timeout = properties.timeout();
    }

    public SignatureOutcome outcome(ExecResult result, CosignRun run) throws IOException {
        return switch (result.getExitValue()) {
            // Verified, with more verified payloads printed than were kept.
            case 0, BoundedProcessExecutor.REPORT_TOO_LARGE -> new SignatureOutcome.Verified(run.key().name());
            case NO_SIGNATURES -> new SignatureOutcome.NotSigned();
            case NO_MATCHING_SIGNATURE -> new SignatureOutcome.NoMatch();
            case BoundedProcessExecutor.KILLED_ON_TIMEOUT ->
                    new SignatureOutcome.CheckFailed("cosign did not finish within " + timeout.toSeconds() + "s");
            default -> new SignatureOutcome.CheckFailed(TrivyOutput.explain(errorLine(text(result.getStderr()))));
        };
    }

    /** cosign could not be started at all (not installed, not executable). */
    public SignatureOutcome failure(Exception exception) {
        return new SignatureOutcome.CheckFailed("could not run cosign: " + exception.getMessage());
    }

    /** cosign ends with {@code Error: <what went wrong>}, then repeats it in a log line; the first says it best. */
    private static String errorLine(String stderr) {
        return stderr.lines().filter(line -> line.startsWith("Error: ")).reduce((a, b) -> b)
                .map(line -> line.substring("Error: ".length()))
                .orElseGet(() -> stderr.lines().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("no error message"));
    }

    private static String text(InputStream stream) throws IOException {
        return stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    }
}
