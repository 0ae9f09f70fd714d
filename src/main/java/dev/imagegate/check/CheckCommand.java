package dev.imagegate.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.image.ImageReference;
import dev.imagegate.policy.Action;
import dev.imagegate.policy.InvalidPolicyException;
import dev.imagegate.policy.Policy;
import dev.imagegate.policy.PolicyProperties;
import dev.imagegate.policy.PolicyReader;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import dev.imagegate.review.ImageCheck;
import dev.imagegate.review.ImageReview;
import dev.imagegate.review.ImageReviewResponse;
import dev.imagegate.review.Review;
import dev.imagegate.scan.ScanOutcome;
import dev.imagegate.scan.ScanReport;
import dev.imagegate.scan.TrivyCommand;
import dev.imagegate.scan.TrivyOutput;
import dev.imagegate.scan.TrivyProcessExecutor;
import dev.imagegate.scan.TrivyProperties;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code java -jar imagegate.jar check ... IMAGE...}: the webhook's answer for a pod with these images, before
 * the pod exists. Each image goes through the webhook's own steps ({@link ImageCheck}, {@link Review}, the
 * policy, {@link Decision}); its scan is a trivy report the pipeline already has, or trivy run as the webhook
 * runs it. Exit 0: every image would be admitted; 1: the pod would be denied; 2: a usage or input error.
 */
public final class CheckCommand {

    static final int ADMITTED = 0;
    static final int DENIED = 1;
    static final int USAGE_ERROR = 2;

    private final CheckOptions options;
    private final ConfigurableApplicationContext context;
    private final PrintStream err;
    private final Clock clock = Clock.systemUTC();

    private CheckCommand(CheckOptions options, ConfigurableApplicationContext context, PrintStream err) {
        this.options = options;
        this.context = context;
        this.err = err;
    }

    /** The {@code check} process: stdout is the answer, so the log stays off it; problems reach stderr as one line. */
    public static void main(List<String> args) {
        System.setProperty("logging.threshold.console", "OFF");
        System.exit(run(args, System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        try {
            CheckOptions options = CheckOptions.parse(args);
            try (ConfigurableApplicationContext context = start(options)) {
                Decision decision = new CheckCommand(options, context, err).decide();
                out.println(render(decision, options.output(), context.getBean(ObjectMapper.class)));
                return decision.allowed() ? ADMITTED : DENIED;
            }
        } catch (UsageException e) {
            err.println("imagegate check: " + e.getMessage());
            err.println(CheckOptions.USAGE);
            return USAGE_ERROR;
        }
    }

    /** The webhook's properties, bound as the webhook binds them; nothing that serves or schedules anything. */
    private static ConfigurableApplicationContext start(CheckOptions options) {
        try {
            return new SpringApplicationBuilder(CheckConfiguration.class).web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF).logStartupInfo(false).registerShutdownHook(false)
                    .run(options.properties().toArray(String[]::new));
        } catch (RuntimeException e) {
            throw new UsageException("invalid configuration: " + rootCause(e).getMessage());
        }
    }

    private Decision decide() {
        Policy policy = policy();
        Optional<ScanReport> report = Optional.ofNullable(options.trivyReport()).map(this::report);
        Review review = Review.of(new ImageReview(options.images(), options.annotations(), options.namespace()),
                policy, clock.instant());
        List<ImageCheck> checks = new ArrayList<>();
        for (ImageCheck unchecked : review) {
            ImageCheck check = unchecked.validated(ImageReference::parse);
            checks.add(check.needsScan() ? check.scanned(CompletableFuture.completedFuture(check.reference()), CompletableFuture.completedFuture(
                    report.<ScanOutcome>map(ScanOutcome.Scanned::new).orElseGet(() -> trivy(check.reference()))))
                    : check);
        }
        return review.withChecks(checks).decision(clock.instant());
    }

    /** The file {@code --policy} names, or the one the webhook reads; the webhook's built-in rule if that one is absent. */
    private Policy policy() {
        Path file = options.policy() != null ? options.policy() : context.getBean(PolicyProperties.class).file();
        try {
            // check waits for every scan, so no verdict is ever pending and onPending plays no part.
            return PolicyReader.read(Files.readAllBytes(file), Action.DENY, clock);
        } catch (NoSuchFileException e) {
            if (options.policy() != null) {
                throw new UsageException("policy file " + file + " does not exist");
            }
            err.println("imagegate check: no policy file at " + file + ": the built-in rule applies (deny at or above HIGH)");
            return Policy.builtIn(Action.DENY, clock);
        } catch (IOException e) {
            throw new UsageException("policy file " + file + " cannot be read: " + e.getMessage());
        } catch (InvalidPolicyException e) {
            throw new UsageException("policy file " + file + " " + e.getMessage());
        }
    }

    private ScanReport report(Path file) {
        try {
            return context.getBean(TrivyOutput.class).report(Files.readAllBytes(file)).orElseThrow(() ->
                    new UsageException(file + " is not a trivy JSON report (trivy image --format json)"));
        } catch (IOException e) {
            throw new UsageException("trivy report " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** trivy as the webhook's run-trivy route runs it: same arguments, environment, limits and reading of its output. */
    private ScanOutcome trivy(ImageReference image) {
        TrivyProperties properties = context.getBean(TrivyProperties.class);
        TrivyOutput output = context.getBean(TrivyOutput.class);
        Path workingDir = null;
        try {
            workingDir = Files.createTempDirectory("imagegate-check-");
            ExecCommand command = new ExecCommand(properties.command(),
                    context.getBean(TrivyCommand.class).scanArguments(image), workingDir.toString(),
                    properties.timeout().toMillis(), Set.of(), null, null, false, LoggingLevel.OFF);
            return output.outcome(context.getBean(TrivyProcessExecutor.class).execute(command), null);
        } catch (Exception e) {
            return output.failure(e);
        } finally {
            deleteQuietly(workingDir);
        }
    }

    private static String render(Decision decision, CheckOptions.Output output, ObjectMapper mapper) {
        if (output == CheckOptions.Output.JSON) {
            try {
                return mapper.writeValueAsString(ImageReviewResponse.of(decision).status());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the answer could not be written as JSON", e);
            }
        }
        StringBuilder text = new StringBuilder();
        for (Verdict verdict : decision.verdicts()) {
            text.append(verdict.image()).append(": ").append(verdict.reason()).append('\n');
        }
        // An audited namespace or a break-glass pod is admitted despite denied images: say so last.
        if (decision.allowed() && !decision.reason().isEmpty()) {
            text.append(decision.reason()).append('\n');
        }
        return text.toString().stripTrailing();
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (dir != null) {
                FileSystemUtils.deleteRecursively(dir);
            }
        } catch (IOException e) {
            // A temp directory left behind is the OS's to clean.
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
