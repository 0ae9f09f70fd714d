package dev.imagegate.process;

import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecCommandExecutor;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a registry-facing tool (trivy, crane) for camel-exec the way an admission controller must: no shell
 * (each argument is one argv element), an environment built from scratch, an empty working directory, stdin
 * closed unless the exchange gives one, bounded stdout/stderr, and a hard kill of the whole process tree on
 * timeout.
 */
public abstract class BoundedProcessExecutor implements ExecCommandExecutor {

    /** Enough of stderr to quote the tool's error line; a runaway process cannot fill memory. */
    public static final int STDERR_LIMIT = 64 * 1024;
    /** The exit value reported when ImageGate killed the process for running past its timeout. */
    public static final int KILLED_ON_TIMEOUT = -1;
    /** The exit value reported when stdout exceeded its limit (for trivy, {@code imagegate.trivy.max-report-size}). */
    public static final int REPORT_TOO_LARGE = -2;

    /** Pipe readers block, so they must not run on the small common pool. */
    private static final ExecutorService OUTPUT_READERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "process-output");
        thread.setDaemon(true);
        return thread;
    });

    private final int stdoutLimit;

    protected BoundedProcessExecutor(long stdoutLimit) {
        this.stdoutLimit = (int) Math.min(Integer.MAX_VALUE - 8, stdoutLimit);
    }

    /** The whole environment of the process; nothing of ImageGate's is inherited unless this returns it. */
    protected abstract Map<String, String> environment();

    @Override
    public ExecResult execute(ExecCommand exec) throws ExecException, IOException {
        List<String> argv = new ArrayList<>();
        argv.add(executable(exec.getExecutable()));
        argv.addAll(exec.getArgs());
        ProcessBuilder builder = new ProcessBuilder(argv);
        if (exec.getInput() == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        if (exec.getWorkingDir() != null) {
            builder.directory(new File(exec.getWorkingDir()));
        }
        builder.environment().clear();
        builder.environment().putAll(environment());

        Process process = builder.start();
        CompletableFuture<BoundedOutput> stdout = drain(process.getInputStream(), stdoutLimit);
        CompletableFuture<BoundedOutput> stderr = drain(process.getErrorStream(), STDERR_LIMIT);
        if (exec.getInput() != null) {
            try (InputStream input = exec.getInput(); OutputStream stdin = process.getOutputStream()) {
                input.transferTo(stdin);
            }
        }
        int exitValue;
        try {
            if (process.waitFor(exec.getTimeout() > 0 ? exec.getTimeout() : Long.MAX_VALUE, TimeUnit.MILLISECONDS)) {
                exitValue = process.exitValue();
            } else {
                kill(process);
                exitValue = KILLED_ON_TIMEOUT;
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new ExecException("interrupted while waiting for " + exec.getExecutable(), null, null, KILLED_ON_TIMEOUT, e);
        }
        BoundedOutput out = stdout.join();
        if (out.truncated() && exitValue == 0) {
            exitValue = REPORT_TOO_LARGE;
        }
        return new ExecResult(exec, out.stream(), stderr.join().stream(), exitValue);
    }

    /** A relative path means relative to ImageGate's directory, not to the process's empty working directory. */
    private static String executable(String command) {
        return command.contains("/") ? Path.of(command).toAbsolutePath().toString() : command;
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static CompletableFuture<BoundedOutput> drain(InputStream stream, int limit) {
        return CompletableFuture.supplyAsync(() -> BoundedOutput.read(stream, limit), OUTPUT_READERS);
    }

    /** A stream read to its end, keeping at most {@code limit} bytes. */
    private record BoundedOutput(byte[] bytes, boolean truncated) {

        static BoundedOutput read(InputStream stream, int limit) {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            boolean truncated = false;
            try (stream) {
                int n;
                while ((n = stream.read(buffer)) >= 0) {
                    int room = limit - kept.size();
                    kept.write(buffer, 0, Math.min(room, n));
                    truncated |= n > room;
                }
            } catch (IOException e) {
                // The process was killed while we were reading: keep what arrived.
            }
            return new BoundedOutput(kept.toByteArray(), truncated);
        }

        InputStream stream() {
            return new ByteArrayInputStream(bytes);
        }
    }
}
