package dev.imagegate.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** kubectl as a user runs it against the loopback control plane: what it exits with and prints. */
final class Kubectl {

    /** What a user sees of one kubectl command. */
    record Result(List<String> arguments, int exit, String out, String err) {

        /** The command as typed, with what it printed: the description of any assertion on it. */
        String transcript() {
            return "kubectl " + String.join(" ", arguments) + " (exit " + exit + ")\n" + out + err;
        }
    }

    private final Path kubectl;
    private final Path kubeconfig;

    Kubectl(Path kubectl, Path kubeconfig) {
        this.kubectl = kubectl;
        this.kubeconfig = kubeconfig;
    }

    Result run(String... arguments) {
        List<String> command = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(arguments));
        try {
            Path out = Files.createTempFile("kubectl-", ".out");
            Path err = Files.createTempFile("kubectl-", ".err");
            Process process = new ProcessBuilder(command).directory(EndToEnd.PROJECT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", arguments) + " did not finish within 2 minutes");
            }
            Result result = new Result(List.of(arguments), process.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command that must succeed (set-up, not the behaviour under test) and returns its output. */
    String ok(String... arguments) {
        Result result = run(arguments);
        if (result.exit() != 0) {
            throw new IllegalStateException(result.transcript());
        }
        return result.out();
    }
}
