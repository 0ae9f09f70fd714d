package dev.imagegate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The project's test-double trivy ({@code src/test/trivy/trivy}) and what it recorded: one line when a run
 * starts (time, argv, working directory) and one when it has answered.
 */
public final class TrivyDouble {

    public static final String COMMAND = "src/test/trivy/trivy";

    private final Path log;

    public TrivyDouble() {
        try {
            this.log = Files.createTempFile("trivy-double-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logFile() {
        return log.toString();
    }

    /**
     * The runs that scanned {@code image}, each as its argument list. trivy is given images by digest: a tag
     * as the digest the test-double crane gives it ({@link CraneDouble#pinned}).
     */
    public List<List<String>> runsOf(String image) {
        String scanned = CraneDouble.pinnedOrAsWritten(image);
        return starts().stream().map(Run::arguments).filter(args -> args.get(args.size() - 1).equals(scanned)).toList();
    }

    /** When each run given {@code argument} (e.g. {@code --download-db-only}) started, in seconds, oldest first. */
    public List<BigDecimal> startsOfRunsWith(String argument) {
        return lines().stream().filter(line -> line.startsWith("start\t")).map(line -> line.split("\t"))
                .filter(fields -> Arrays.asList(fields).contains(argument)).map(fields -> new BigDecimal(fields[1])).toList();
    }

    public String workingDirectoryOf(String image) {
        String scanned = CraneDouble.pinnedOrAsWritten(image);
        return starts().stream().filter(run -> run.arguments().get(run.arguments().size() - 1).equals(scanned))
                .map(Run::workingDirectory).findFirst().orElseThrow();
    }

    /** When each run that scanned {@code image} started, in seconds since the epoch. */
    public List<BigDecimal> startsOf(String image) {
        return timesOf("start", image);
    }

    /** When each run that scanned {@code image} had answered, in seconds since the epoch. */
    public List<BigDecimal> endsOf(String image) {
        return timesOf("end", image);
    }

    private List<BigDecimal> timesOf(String event, String image) {
        String scanned = CraneDouble.pinnedOrAsWritten(image);
        return lines().stream().map(line -> line.split("\t"))
                .filter(fields -> fields[0].equals(event) && fields[2].equals("image")
                        && fields[fields.length - (event.equals("start") ? 2 : 1)].equals(scanned))
                .map(fields -> new BigDecimal(fields[1])).toList();
    }

    /**
     * The most scans of images starting with {@code prefix} that were running at one time (the log is shared
     * by every application of the JVM, and a test's own images tell its scans apart).
     */
    public int mostRunningAtOnce(String prefix) {
        List<BigDecimal[]> events = new ArrayList<>();
        for (String line : lines()) {
            String[] fields = line.split("\t");
            boolean start = fields[0].equals("start");
            String image = fields[fields.length - (start ? 2 : 1)];
            if (!fields[2].equals("image") || !image.startsWith(prefix)) {
                continue; // 'trivy version' and DB refreshes are not scans
            }
            events.add(new BigDecimal[] {new BigDecimal(fields[1]), fields[0].equals("start") ? BigDecimal.ONE : BigDecimal.ONE.negate()});
        }
        events.sort((a, b) -> a[0].compareTo(b[0]) != 0 ? a[0].compareTo(b[0]) : a[1].compareTo(b[1]));
        int running = 0;
        int most = 0;
        for (BigDecimal[] event : events) {
            running += event[1].intValue();
            most = Math.max(most, running);
        }
        return most;
    }

    private List<Run> starts() {
        return lines().stream().filter(line -> line.startsWith("start\t")).map(line -> {
            String[] fields = line.split("\t");
            List<String> arguments = Arrays.asList(fields).subList(2, fields.length - 1);
            return new Run(arguments, fields[fields.length - 1].substring("cwd=".length()));
        }).toList();
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Run(List<String> arguments, String workingDirectory) {
    }
}
