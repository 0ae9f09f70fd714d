package dev.imagegate.check;

import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar as a CI job runs it: {@code java -jar imagegate.jar check ...} in a directory of its own. The
 * answer alone on stdout, no server started, nothing left in the working or home directory, and how long it took.
 */
class CheckCommandIT {

    private static final Path JAR = Path.of("target/imagegate.jar");
    private static final Path TRIVY_DOUBLE = Path.of(TrivyDouble.COMMAND).toAbsolutePath();
    private static final Path CRANE_DOUBLE = Path.of(CraneDouble.COMMAND).toAbsolutePath();

    @TempDir
    Path root;

    @Test
    void judgesAReportAndRunsTrivyWithoutWritingAnything() throws Exception {
        Path report = Files.writeString(root.resolve("report.json"), Files.readString(Path.of("src/test/trivy/reports/vulnerable.json"))
                .replace("@REPO@", "registry.test/ci/vulnerable").replace("@IMAGE@", "registry.test/ci/vulnerable:1"));
        Path workdir = Files.createDirectory(root.resolve("work"));
        Path home = Files.createDirectory(root.resolve("home"));

        Process fromReport = check(workdir, home, "--trivy-report", report.toString(), "registry.test/ci/vulnerable:1");
        Process withTrivy = check(workdir, home, "--imagegate.trivy.command=" + TRIVY_DOUBLE,
                "--imagegate.crane.command=" + CRANE_DOUBLE, "--output", "json", "registry.test/ci/clean:1");

        assertThat(fromReport.exitValue()).isEqualTo(CheckCommand.DENIED);
        assertThat(stdout(fromReport)).isEqualTo("registry.test/ci/vulnerable:1: denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001), "
                + "org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965), musl 1.2.4_git20230717-r4 -> "
                + "1.2.4_git20230717-r5 (CVE-2026-10002), zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004); "
                + "no fix yet: busybox (CVE-2026-10003)\n"
                + "  PACKAGE                           INSTALLED             FIXED                 VULNERABILITIES\n"
                + "  libcrypto3                        3.1.4-r5              3.1.7-r1              CVE-2026-10001\n"
                + "  org.springframework:spring-beans  5.3.15                5.3.18                CVE-2022-22965\n"
                + "  musl                              1.2.4_git20230717-r4  1.2.4_git20230717-r5  CVE-2026-10002\n"
                + "  zlib                              1.3.1-r0              1.3.1-r1              CVE-2026-10004\n"
                + "  busybox                           1.36.1-r15            (no fix yet)          CVE-2026-10003\n");
        assertThat(withTrivy.exitValue()).isEqualTo(CheckCommand.ADMITTED);
        assertThat(stdout(withTrivy)).startsWith("{\"allowed\":true,\"reason\":\"\"").endsWith("}\n")
                .contains("\"digest\":\"" + CraneDouble.digestOf("registry.test/ci/clean:1") + "\"");
        assertThat(stderr(withTrivy)).isEqualTo("imagegate check: no policy file at config/policy.yaml: "
                + "the built-in rule applies (deny at or above HIGH)\n");
        try (Stream<Path> written = Stream.concat(Files.list(workdir), Files.list(home))) {
            assertThat(written).isEmpty();
        }
    }

    @Test
    void aMistakeIsOneLineAndExitTwo() throws Exception {
        Process run = check(root, root, "--output", "yaml", "registry.test/ci/clean:1");

        assertThat(run.exitValue()).isEqualTo(CheckCommand.USAGE_ERROR);
        assertThat(stdout(run)).isEmpty();
        assertThat(stderr(run).lines()).singleElement().asString()
                .startsWith("imagegate check: --output is text, json or sarif, not \"yaml\"; usage: imagegate check ");
    }

    private Process check(Path workdir, Path home, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toAbsolutePath().toString(), "check"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile())
                .redirectOutput(root.resolve("stdout").toFile()).redirectError(root.resolve("stderr").toFile());
        builder.environment().put("HOME", home.toString());
        long started = System.nanoTime();
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("check finished").isTrue();
        System.out.printf("imagegate check %s: exit %d in %d ms%n", String.join(" ", args), process.exitValue(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        Files.move(root.resolve("stdout"), root.resolve("stdout-" + process.pid()));
        Files.move(root.resolve("stderr"), root.resolve("stderr-" + process.pid()));
        return process;
    }

    private String stdout(Process process) throws IOException {
        return Files.readString(root.resolve("stdout-" + process.pid()));
    }

    private String stderr(Process process) throws IOException {
        return Files.readString(root.resolve("stderr-" + process.pid()));
    }
}
