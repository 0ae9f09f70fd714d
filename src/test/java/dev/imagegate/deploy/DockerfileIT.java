package dev.imagegate.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime stage's jar steps, run for real on the packaged jar (no Docker engine here to run them in):
 * the Dockerfile's own command line, with its absolute paths moved under a temporary root.
 */
class DockerfileIT {

    @Test
    void theRuntimeStageExtractsThePackagedJarAndRecordsItsClassArchive(@TempDir Path root) throws Exception {
        Path workdir = under(root, Dockerfile.read().last("WORKDIR"));
        copyTree(Path.of("routes"), workdir.resolve("routes"));
        copyTree(Path.of("config"), workdir.resolve("config"));
        Path copiedJar = under(root, DockerfileTest.copyFromBuild()[1]);
        Files.createDirectories(copiedJar.getParent());
        Files.copy(Path.of("target/imagegate.jar"), copiedJar);
        String run = DockerfileTest.runtimeRun("extract").replaceAll("(?<=[\\s=])/(?=\\w)", Matcher.quoteReplacement(root + "/"));

        ProcessBuilder builder = new ProcessBuilder("sh", "-c", run).directory(workdir.toFile()).redirectErrorStream(true)
                .redirectOutput(root.resolve("run.log").toFile());
        // Nothing should listen while the classes are recorded (the context exits on refresh); if it did, not on a taken port.
        builder.environment().put("SERVER_PORT", "0");
        Process process = builder.start();
        boolean exited = process.waitFor(5, TimeUnit.MINUTES);
        if (!exited) {
            process.destroyForcibly();
        }

        String log = Files.readString(root.resolve("run.log"));
        assertThat(exited).as("the RUN step still runs after 5 minutes: %s", log).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(copiedJar).doesNotExist();
        for (String path : DockerfileTest.entrypoint()) {
            if (path.contains("/")) {
                assertThat(under(root, path.substring(path.indexOf('/')))).as(path).isRegularFile();
            }
        }
    }

    private static Path under(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
