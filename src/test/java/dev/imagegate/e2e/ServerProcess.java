package dev.imagegate.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A server the suite starts as a real process, with its output in a log file the failures quote. */
final class ServerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ServerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ServerProcess start(String name, List<String> command, Map<String, String> environment, Path workDir)
            throws IOException {
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(EndToEnd.PROJECT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ServerProcess(name, builder.start(), log);
    }

    /** Waits until {@code url} answers {@code status}, or fails quoting the server's log. */
    void awaitHttp(URI url, int status, Duration timeout) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await("answer " + status + " on " + url, () -> answers(client, url, status), timeout);
    }

    /** Waits until {@code ready} holds, or fails quoting the server's log if it exits or {@code timeout} passes. */
    void await(String what, BooleanSupplier ready, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (ready.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " did not " + what + " within " + timeout + ":\n" + logTail());
    }

    private static boolean answers(HttpClient client, URI url, int status) {
        try {
            return client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == status;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String name() {
        return name;
    }

    /** Sends SIGTERM to the server itself, as the kubelet does to a container's main process, not to its children. */
    void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit; false if it is still running after {@code timeout}. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail() {
        return EndToEnd.tail(log);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
