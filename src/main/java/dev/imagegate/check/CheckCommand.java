package dev.imagegate.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagegate.admission.AdmissionReader;
import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
import dev.imagegate.policy.Action;
import dev.imagegate.policy.InvalidPolicyException;
import dev.imagegate.policy.Policy;
import dev.imagegate.policy.PolicyProperties;
import dev.imagegate.policy.PolicyReader;
import dev.imagegate.policy.Remedy;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import dev.imagegate.review.ImageCheck;
import dev.imagegate.review.ImageReview;
import dev.imagegate.review.ImageReviewResponse;
import dev.imagegate.review.Review;
import dev.imagegate.review.ReviewRequest;
import dev.imagegate.process.BoundedProcessExecutor;
import dev.imagegate.tags.CraneCommand;
import dev.imagegate.tags.CraneOutput;
import dev.imagegate.tags.CraneProcessExecutor;
import dev.imagegate.tags.CraneProperties;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyOutput;
import dev.imagegate.scan.trivy.TrivyProcessExecutor;
import dev.imagegate.scan.trivy.TrivyProperties;
import dev.imagegate.tags.UnresolvedTagException;
import dev.imagegate.signature.CosignCommand;
import dev.imagegate.signature.CosignOutput;
import dev.imagegate.signature.CosignProcessExecutor;
import dev.imagegate.signature.CosignProperties;
import dev.imagegate.signature.CosignRun;
import dev.imagegate.signature.KeySet;
import dev.imagegate.signature.SignatureOutcome;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
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
    /** Reads what {@code kubectl apply -f} takes: YAML, one or more documents separated by {@code ---}. */
    private static final YAMLMapper MANIFEST = new YAMLMapper();

    private final CheckOptions options;
    private final ConfigurableApplicationContext context;
    private final PrintStream err;
    private final Clock clock = Clock.systemUTC();
    private final Set<String> loggedIn = new HashSet<>();

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
        CheckOptions options;
        try {
            options = CheckOptions.parse(args);
        } catch (UsageException e) {
            // One line, so that a CI log shows the whole problem where it shows the exit code.
            err.println("imagegate check: " + e.getMessage() + "; " + CheckOptions.USAGE);
            return USAGE_ERROR;
        }
        try (ConfigurableApplicationContext context = start(options)) {
            CheckCommand check = new CheckCommand(options, context, err);
            ObjectMapper json = context.getBean(ObjectMapper.class);
            if (options.manifest() != null) {
                List<Judged> judged = check.manifest();
                out.println(render(judged, options.output(), json));
                return judged.stream().allMatch(object -> object.decision().allowed()) ? ADMITTED : DENIED;
            }
            Decision decision = check.decide(new ImageReview(options.images(), options.annotations(),
                    options.namespace()).request(), check.policy());
            out.println(render(decision, options.output(), json));
            return exitCode(decision);
        } catch (UsageException e) {
            err.println("imagegate check: " + e.getMessage());
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

    /** One object of a manifest and the decision admission would make about its creation. */
    record Judged(String object, Decision decision) {
    }

    /** A manifest object's answer in JSON: the object, then the status the webhook would answer. */
    record ObjectStatus(String object, ImageReviewResponse.Status status) {
    }

    /**
     * Every object of the manifest that has a pod spec (Pods and the workload kinds), judged as the admission
     * webhook judges its creation, by one policy snapshot; other objects are passed over.
     */
    private List<Judged> manifest() {
        Policy policy = policy();
        AdmissionReader reader = new AdmissionReader(context.getBean(ObjectMapper.class));
        List<Judged> judged = new ArrayList<>();
        try (InputStream in = options.manifest().equals(CheckOptions.STANDARD_INPUT) ? System.in
                : Files.newInputStream(options.manifest())) {
            for (JsonNode document : MANIFEST.readValues(MANIFEST.createParser(in), JsonNode.class).readAll()) {
                if (document != null && document.isObject()) {
                    Optional<ReviewRequest> request = reader.created(document, options.namespace());
                    if (request.isPresent()) {
                        ReviewRequest created = request.get();
                        judged.add(new Judged(created.subject().describe(created.namespace()), decide(created, policy)));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("manifest " + options.manifest() + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw new UsageException("manifest " + options.manifest() + " cannot be read: "
                    + String.valueOf(rootCause(e).getMessage()).lines().findFirst().orElse(""));
        }
        if (judged.isEmpty()) {
            err.println("imagegate check: manifest " + options.manifest() + " has no pod spec to judge");
        }
        return judged;
    }

    private Decision decide(ReviewRequest request, Policy policy) {
        Optional<ScanReport> report = Optional.ofNullable(options.trivyReport()).map(this::report);
        // check waits for every scan, so its deadline plays no part.
        Review review = Review.of(request, policy, clock.instant(), Instant.MAX);
        List<ImageCheck> checks = new ArrayList<>();
        for (ImageCheck unchecked : review) {
            ImageCheck check = unchecked.validated(ImageReference::parse);
            checks.add(signed(check.needsScan() ? scanned(check, report) : check));
        }
        return review.withChecks(checks).decision(clock.instant());
    }

    /** The file {@code --policy} names, or the one the webhook reads; the webhook's built-in rule if that one is absent. */
    private Policy policy() {
        Path file = options.policy() != null ? options.policy() : context.getBean(PolicyProperties.class).file();
        try {
            // check waits for every scan, so no verdict is ever pending and onPending plays no part.
            Path directory = file.toAbsolutePath().getParent();
            return PolicyReader.read(Files.readAllBytes(file), directory != null ? directory : Path.of("."), Action.DENY, clock);
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

    /**
     * The check with the digest it stands for and that digest's scan: a kept report names the digest trivy
     * scanned; otherwise the registry is asked and trivy scans that digest, as the webhook does.
     */
    private ImageCheck scanned(ImageCheck check, Optional<ScanReport> report) {
        if (report.isPresent()) {
            return check.scanned(CompletableFuture.completedFuture(pinnedBy(report.get(), check.reference())),
                    CompletableFuture.completedFuture(new ScanOutcome.Scanned(report.get())));
        }
        try {
            ImageReference pinned = pin(check.reference());
            return check.scanned(CompletableFuture.completedFuture(pinned), CompletableFuture.completedFuture(trivy(pinned)));
        } catch (UnresolvedTagException e) {
            // As the webhook's Scanner answers a tag its registry cannot resolve: a scan failure, no digest.
            return check.scanned(CompletableFuture.failedFuture(e),
                    CompletableFuture.completedFuture(new ScanOutcome.ScanFailed(e.getMessage())));
        }
    }

    /**
     * The check with its signature verified as the webhook verifies it: the digest the scan judged (or the tag
     * looked up now), each key of the rule in turn, with cosign run as the webhook's verify-signature route runs it.
     */
    private ImageCheck signed(ImageCheck check) {
        if (!check.needsSignature()) {
            return check;
        }
        KeySet keys = check.policy().signatureRule(check.reference(), check.namespace()).orElseThrow().keys();
        ImageReference image;
        try {
            image = check.pinned() != null && !check.pinned().isCompletedExceptionally() && check.pinned().join().isDigestPinned()
                    ? check.pinned().join() : pin(check.reference());
        } catch (UnresolvedTagException e) {
            return check.signed(CompletableFuture.failedFuture(e),
                    CompletableFuture.completedFuture(new SignatureOutcome.CheckFailed(e.getMessage())));
        }
        return check.signed(CompletableFuture.completedFuture(image), CompletableFuture.completedFuture(
                keys.verify(key -> cosign(new CosignRun(image, key, keys.transparencyLog())))));
    }

    private SignatureOutcome cosign(CosignRun run) {
        CosignProperties properties = context.getBean(CosignProperties.class);
        CosignOutput output = context.getBean(CosignOutput.class);
        try {
            logInOnce(run.image().domain());
            return output.outcome(execute(context.getBean(CosignProcessExecutor.class), properties.command(),
                    context.getBean(CosignCommand.class).verifyArguments(run), properties.timeout(), null), run);
        } catch (UnresolvedTagException e) {
            return new SignatureOutcome.CheckFailed(e.getMessage());
        } catch (Exception e) {
            return output.failure(e);
        }
    }

    /** The image at the digest trivy's report names for its repository (RepoDigests), or as written if none. */
    private static ImageReference pinnedBy(ScanReport report, ImageReference image) {
        if (image.isDigestPinned()) {
            return image;
        }
        for (String repoDigest : report.repoDigests()) {
            try {
                ImageReference named = ImageReference.parse(repoDigest);
                if (named.isDigestPinned() && named.repository().equals(image.repository())) {
                    return image.at(named.digest());
                }
            } catch (InvalidImageReferenceException e) {
                // trivy names what it resolved; an entry that is no reference names nothing to use.
            }
        }
        return image;
    }

    /**
     * The digest a tag points to now, from {@code crane digest} run as the webhook's resolve-tag route runs it.
     * The webhook logs in to a registry only after it refuses a lookup; a one-shot check logs in to each
     * registry once, before its first lookup.
     */
    private ImageReference pin(ImageReference image) {
        if (image.isDigestPinned()) {
            return image;
        }
        CraneCommand command = context.getBean(CraneCommand.class);
        CraneOutput output = context.getBean(CraneOutput.class);
        try {
            logInOnce(image.domain());
            return image.at(output.digest(crane(command.digestArguments(image), null)));
        } catch (IOException e) {
            throw new UnresolvedTagException("could not run crane: " + e.getMessage(), false);
        }
    }

    /** trivy's credentials into crane's docker config (which cosign reads too), once per registry, before its first use. */
    private void logInOnce(String registry) throws IOException {
        CraneCommand command = context.getBean(CraneCommand.class);
        if (command.hasCredentials() && loggedIn.add(registry)) {
            context.getBean(CraneOutput.class).loggedIn(crane(command.loginArguments(registry),
                    new ByteArrayInputStream(command.password().getBytes(StandardCharsets.UTF_8))));
        }
    }

    private ExecResult crane(List<String> arguments, InputStream input) throws IOException {
        CraneProperties properties = context.getBean(CraneProperties.class);
        return execute(context.getBean(CraneProcessExecutor.class), properties.command(), arguments,
                properties.timeout(), input);
    }

    /** trivy as the webhook's run-trivy route runs it: same arguments, environment, limits and reading of its output. */
    private ScanOutcome trivy(ImageReference image) {
        TrivyProperties properties = context.getBean(TrivyProperties.class);
        TrivyOutput output = context.getBean(TrivyOutput.class);
        try {
            return output.outcome(execute(context.getBean(TrivyProcessExecutor.class), properties.command(),
                    context.getBean(TrivyCommand.class).scanArguments(image), properties.timeout(), null), null);
        } catch (Exception e) {
            return output.failure(e);
        }
    }

    /** Runs {@code command} in a working directory of its own, removed afterwards: check leaves nothing behind. */
    private static ExecResult execute(BoundedProcessExecutor executor, String executable, List<String> arguments,
                                      Duration timeout, InputStream input) throws IOException {
        Path workingDir = Files.createTempDirectory("imagegate-check-");
        try {
            return executor.execute(new ExecCommand(executable, arguments, workingDir.toString(), timeout.toMillis(),
                    Set.of(), input, null, false, LoggingLevel.OFF));
        } finally {
            deleteQuietly(workingDir);
        }
    }

    /** Each object's answer: in JSON an array of its description and status, in text its lines under its name. */
    private static String render(List<Judged> judged, CheckOptions.Output output, ObjectMapper mapper) {
        if (output == CheckOptions.Output.JSON) {
            try {
                return mapper.writeValueAsString(judged.stream().map(object -> new ObjectStatus(object.object(),
                        ImageReviewResponse.of(object.decision()).status())).toList());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the answer could not be written as JSON", e);
            }
        }
        StringBuilder text = new StringBuilder();
        for (Judged object : judged) {
            text.append(object.object()).append(":\n")
                    .append(render(object.decision(), output, mapper).indent(2));
        }
        return text.toString().stripTrailing();
    }

    private static String render(Decision decision, CheckOptions.Output output, ObjectMapper mapper) {
        try {
            return switch (output) {
                case JSON -> mapper.writeValueAsString(ImageReviewResponse.of(decision).status());
                case SARIF -> mapper.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(Sarif.of(decision, exitCode(decision), mapper));
                case TEXT -> text(decision);
            };
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the answer could not be written as JSON", e);
        }
    }

    private static int exitCode(Decision decision) {
        return decision.allowed() ? ADMITTED : DENIED;
    }

    /** Each image's line as the webhook gives it, then, for an image with something to upgrade, the fixes as a table. */
    private static String text(Decision decision) {
        StringBuilder text = new StringBuilder();
        for (Verdict verdict : decision.verdicts()) {
            text.append(verdict.image()).append(": ").append(verdict.reason()).append('\n');
            Remedy remedy = verdict.remedy();
            if (remedy != null && (!remedy.fixes().isEmpty() || !remedy.unfixed().isEmpty())) {
                text.append(FixTable.of(remedy));
            }
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
