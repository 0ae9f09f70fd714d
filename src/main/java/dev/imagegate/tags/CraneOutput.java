package dev.imagegate.tags;

import dev.imagegate.process.BoundedProcessExecutor;
import dev.imagegate.scan.trivy.TrivyOutput;
import org.apache.camel.component.exec.ExecResult;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/** Reads what crane left behind: the digest it printed, or why the registry could not give one. */
@Component
public class CraneOutput {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128}");

    private final Duration timeout;

    public CraneOutput(CraneProperties properties) {
        this.timeout = properties.timeout();
    }

    /** The digest {@code crane digest} printed; anything else is an {@link UnresolvedTagException}. */
    public String digest(ExecResult result) throws IOException {
        checkExit(result, "registry lookup failed");
        String printed = text(result.getStdout()).trim();
        if (!DIGEST.matcher(printed).matches()) {
            throw new UnresolvedTagException("crane printed no digest", false);
        }
        return printed;
    }

    public void loggedIn(ExecResult result) throws IOException {
        checkExit(result, "crane could not store the registry credentials");
    }

    private void checkExit(ExecResult result, String what) throws IOException {
        int exit = result.getExitValue();
        if (exit == BoundedProcessExecutor.KILLED_ON_TIMEOUT) {
            throw new UnresolvedTagException("the registry did not answer within " + timeout.toSeconds() + "s", false);
        }
        if (exit != 0) {
            String error = errorLine(text(result.getStderr()));
            throw new UnresolvedTagException(what + ": " + TrivyOutput.explain(error),
                    error.contains("UNAUTHORIZED") || error.contains("DENIED"));
        }
    }

    /** crane logs retries with a timestamp and ends with {@code Error: <what went wrong>}. */
    private static String errorLine(String stderr) {
        String last = stderr.lines().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("no error message");
        return last.startsWith("Error: ") ? last.substring("Error: ".length()) : last;
    }

    private static String text(InputStream stream) throws IOException {
        return stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    }
}
