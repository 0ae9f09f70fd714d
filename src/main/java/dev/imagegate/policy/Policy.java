package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.policy.PolicyDocument.Settings;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import dev.imagegate.signature.KeySet;
import dev.imagegate.signature.SignatureOutcome;
import dev.imagegate.signature.SigningKey;
import dev.imagegate.signature.TransparencyLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The admission rules in force: which images a rule decides without a scan, and what each image's scan means
 * in a namespace. Immutable; a reloaded policy file is a new Policy, and a review is judged by the one that was
 * in force when it arrived.
 *
 * <p>Rules that need no scan come first, in this order: exempt namespace (allow), deny patterns, allow
 * patterns (allow, not scanned), the registry allowlist, digest pinning. Then the findings: unfixed ones
 * dropped if asked, exceptions applied, and the image denied at or above the severity threshold or past a
 * maximum count.
 */
public final class Policy {

    static final int REVIEW_REASON_LIMIT = 1024;
    static final int MORE_IMAGES_ROOM = 40;
    static final int IMAGE_QUOTED_LIMIT = 200;
    private static final Pattern BREAK_GLASS_KEY = Pattern.compile("[^/]+\\.image-policy\\.k8s\\.io/break-glass");
    private static final Settings BUILT_IN = new Settings(Mode.ENFORCE, Severity.HIGH, Map.of(), false, Action.DENY,
            Action.DENY, false);

    private final Settings defaults;
    private final Map<String, Settings> overrides;
    private final List<String> registries;
    private final List<ImagePattern> allowImages;
    private final List<ImagePattern> denyImages;
    private final List<ExceptionRule> exceptions;
    private final Set<String> exemptNamespaces;
    private final Set<String> breakGlassNamespaces;
    private final List<SignatureRule> signatureRules;
    private final Clock clock;

    private Policy(Settings defaults, Map<String, Settings> overrides, List<String> registries,
                   List<ImagePattern> allowImages, List<ImagePattern> denyImages, List<ExceptionRule> exceptions,
                   Set<String> exemptNamespaces, Set<String> breakGlassNamespaces, List<SignatureRule> signatureRules,
                   Clock clock) {
        this.defaults = defaults;
        this.overrides = overrides;
        this.registries = registries;
        this.allowImages = allowImages;
        this.denyImages = denyImages;
        this.exceptions = exceptions;
        this.exemptNamespaces = exemptNamespaces;
        this.breakGlassNamespaces = breakGlassNamespaces;
        this.signatureRules = signatureRules;
        this.clock = clock;
    }

    /** Deny at or above HIGH, fail closed, everywhere: the rule before any policy file. */
    public static Policy builtIn(Action onPending, Clock clock) {
        return new Policy(BUILT_IN.overriddenBy(new Settings(null, null, null, null, null, onPending, null)), Map.of(),
                List.of(), List.of(), List.of(), List.of(), Set.of(), Set.of(), List.of(), clock);
    }

    /** Checks a policy file and builds its rules; unset settings keep the built-in rule's. */
    public static Policy from(PolicyDocument document, Action onPending, Clock clock) {
        return from(document, Path.of("."), onPending, clock);
    }

    /**
     * Checks a policy file and builds its rules; unset settings keep the built-in rule's.
     *
     * @param directory where the policy file is: key files are named relative to it
     */
    public static Policy from(PolicyDocument document, Path directory, Action onPending, Clock clock) {
        Settings defaults = builtIn(onPending, clock).defaults.overriddenBy(orEmpty(document.defaults()));
        checkMaxCounts("defaults", defaults.maxCounts());
        Map<String, Settings> overrides = new LinkedHashMap<>();
        PolicyDocument.NamespaceSection namespaces = document.namespaces();
        if (namespaces != null && namespaces.overrides() != null) {
            namespaces.overrides().forEach((namespace, override) -> {
                Settings merged = defaults.overriddenBy(orEmpty(override));
                checkMaxCounts("namespaces.overrides." + namespace, merged.maxCounts());
                overrides.put(namespace, merged);
            });
        }
        PolicyDocument.ImageLists images = document.images();
        return new Policy(defaults, Map.copyOf(overrides), nonBlank("registries", document.registries()),
                patterns("images.allow", images == null ? null : images.allow()),
                patterns("images.deny", images == null ? null : images.deny()),
                exceptionRules(document.exceptions()),
                Set.copyOf(nonBlank("namespaces.exempt", namespaces == null ? null : namespaces.exempt())),
                Set.copyOf(nonBlank("breakGlass.namespaces",
                        document.breakGlass() == null ? null : document.breakGlass().namespaces())),
                signatureRules(document.signatures(), directory), clock);
    }

    /** An image whose reference is not one: denied without a scan, unless its namespace is exempt. */
    public Verdict invalid(String image, String reason, String namespace) {
        return exemptNamespaces.contains(namespace) ? exempt(image, namespace)
                : Verdict.of(image, Verdict.Status.INVALID, false, "denied: invalid image reference: " + reason);
    }

    /** The verdict of the rule that decides this image without a scan, if one does: the scanner never fetches it. */
    public Optional<Verdict> ruleWithoutScan(ImageReference image, String namespace) {
        String shown = image.original();
        if (exemptNamespaces.contains(namespace)) {
            return Optional.of(exempt(shown, namespace));
        }
        for (ImagePattern deny : denyImages) {
            if (deny.matches(image)) {
                return Optional.of(Verdict.of(shown, Verdict.Status.DENIED_BY_RULE, false, "denied: image matches deny rule " + deny));
            }
        }
        for (ImagePattern allow : allowImages) {
            if (allow.matches(image)) {
                return Optional.of(Verdict.of(shown, Verdict.Status.ALLOWED_BY_RULE, true,
                        "allowed: image matches allow rule " + allow + " (not scanned)"));
            }
        }
        if (!registries.isEmpty() && registries.stream().noneMatch(entry -> fromRegistry(image, entry))) {
            boolean hostKnown = registries.stream().anyMatch(entry -> entry.split("/")[0].equals(image.domain()));
            String what = hostKnown ? "repository " + image.repository() : "registry " + image.domain();
            return Optional.of(Verdict.of(shown, Verdict.Status.DENIED_BY_RULE, false, "denied: " + what + " is not allowed"));
        }
        if (settingsFor(namespace).requireDigest() && !image.isDigestPinned()) {
            return Optional.of(Verdict.of(shown, Verdict.Status.DENIED_BY_RULE, false,
                    "denied: image must be pinned by digest (name@sha256:...)"));
        }
        return Optional.empty();
    }

    /** What a finished scan means for an image no rule decided without one. */
    public Verdict judge(ImageReference image, ScanOutcome outcome, String namespace) {
        Settings settings = settingsFor(namespace);
        if (outcome instanceof ScanOutcome.Scanned scanned) {
            return judgeFindings(image, scanned.report(), namespace, settings);
        }
        ScanOutcome.ScanFailed failed = (ScanOutcome.ScanFailed) outcome;
        return byAction(image.original(), Verdict.Status.SCAN_FAILED, settings.onScanError(), "scan failed: " + failed.reason());
    }

    /** An image whose scan has not finished in time for its review; it goes on in the background. */
    public Verdict pending(String image, String reason, String namespace) {
        return byAction(image, Verdict.Status.PENDING, settingsFor(namespace).onPending(), reason);
    }

    /**
     * The signature rule an image must satisfy in a namespace: the first that matches it, none in an exempt
     * namespace. An image no rule matches is not checked for signatures.
     */
    public Optional<SignatureRule> signatureRule(ImageReference image, String namespace) {
        if (exemptNamespaces.contains(namespace)) {
            return Optional.empty();
        }
        return signatureRules.stream().filter(rule -> rule.matches(image, namespace)).findFirst();
    }

    /**
     * {@code verdict} (by rule or by scan) with the signature rule's say: the image needs both. A signature that
     * did not verify denies the image, its reason first, or, under an audit rule, is recorded as what would
     * have denied it; a check still running makes the image pending unless the verdict is a denial already.
     *
     * @param outcome       the finished check, or null while it runs
     * @param pendingReason why the check has no outcome yet
     */
    public Verdict withSignature(Verdict verdict, ImageReference image, String namespace, SignatureOutcome outcome,
                                 String pendingReason) {
        Optional<SignatureRule> rule = signatureRule(image, namespace);
        if (rule.isEmpty()) {
            return verdict;
        }
        boolean audit = rule.get().action() == SignatureAction.AUDIT;
        if (outcome == null) {
            if (audit || (!verdict.allowed() && verdict.status() != Verdict.Status.PENDING)) {
                return verdict.signed("pending");
            }
            return pending(verdict.image(), pendingReason, namespace).at(verdict.digest()).signed("pending");
        }
        if (outcome instanceof SignatureOutcome.Verified verified) {
            return verdict.signed("verified by " + verified.key());
        }
        String names = rule.get().keys().names();
        String problem;
        String found;
        if (outcome instanceof SignatureOutcome.NotSigned) {
            problem = "not signed by any of " + names + " (no signature found)";
            found = "missing";
        } else if (outcome instanceof SignatureOutcome.NoMatch) {
            problem = "signature does not match " + names;
            found = "mismatch";
        } else {
            problem = "signature check failed: " + ((SignatureOutcome.CheckFailed) outcome).reason();
            found = "check failed";
        }
        if (audit) {
            return new Verdict(verdict.image(), verdict.status(), verdict.allowed(),
                    verdict.reason() + "; audit: would deny: " + problem, verdict.findings(), verdict.highest(),
                    verdict.exceptions(), verdict.digest(), found + " (audit)", verdict.remedy());
        }
        Verdict.Status status = outcome instanceof SignatureOutcome.CheckFailed
                ? Verdict.Status.SIGNATURE_CHECK_FAILED : Verdict.Status.UNSIGNED;
        String reason = "denied: " + problem + (verdict.allowed() ? "" : "; " + verdict.reason().replaceFirst("^denied: ", ""));
        return new Verdict(verdict.image(), status, false, reason, verdict.findings(), verdict.highest(),
                verdict.exceptions(), verdict.digest(), found, verdict.remedy());
    }

    /** How a review in this namespace is enforced; break-glass needs a permitting namespace and a reason. */
    public Enforcement enforcement(String namespace, Map<String, String> annotations) {
        if (breakGlassNamespaces.contains(namespace) || breakGlassNamespaces.contains("*")) {
            Optional<String> reason = annotations.entrySet().stream()
                    .filter(a -> BREAK_GLASS_KEY.matcher(a.getKey()).matches() && !a.getValue().isBlank())
                    .map(Map.Entry::getValue).findFirst();
            if (reason.isPresent()) {
                return Enforcement.breakGlass(reason.get());
            }
        }
        return settingsFor(namespace).mode() == Mode.AUDIT ? Enforcement.AUDIT : Enforcement.ENFORCE;
    }

    Settings settingsFor(String namespace) {
        return overrides.getOrDefault(namespace, defaults);
    }

    private static boolean fromRegistry(ImageReference image, String entry) {
        String prefix = entry.endsWith("/") ? entry.substring(0, entry.length() - 1) : entry;
        return image.domain().equals(prefix) || image.repository().equals(prefix) || image.repository().startsWith(prefix + "/");
    }

    private Verdict judgeFindings(ImageReference reference, ScanReport report, String namespace, Settings settings) {
        String image = reference.original();
        LocalDate today = LocalDate.now(clock);
        List<Finding> counted = new ArrayList<>();
        List<String> excepted = new ArrayList<>();
        for (Finding finding : report.findings()) {
            if (settings.ignoreUnfixed() && !finding.hasFix()) {
                continue;
            }
            Optional<ExceptionRule> exception = exceptions.stream()
                    .filter(rule -> rule.covers(finding, reference, namespace, today)).findFirst();
            if (exception.isPresent()) {
                if (!excepted.contains(exception.get().describe())) {
                    excepted.add(exception.get().describe());
                }
            } else {
                counted.add(finding);
            }
        }
        List<String> problems = new ArrayList<>();
        List<Finding> blocking = counted.stream().filter(f -> f.severity().isAtLeast(settings.severity())).toList();
        if (!blocking.isEmpty()) {
            problems.add(counts(blocking) + " at or above " + settings.severity());
        }
        List<Finding> overCounts = new ArrayList<>(blocking);
        settings.maxCounts().forEach((severity, max) -> {
            List<Finding> ofSeverity = counted.stream().filter(f -> f.severity() == severity).toList();
            if (distinctIds(ofSeverity) > max && !severity.isAtLeast(settings.severity())) {
                problems.add(counts(ofSeverity) + ", more than " + max + " allowed");
                overCounts.addAll(ofSeverity);
            }
        });
        if (problems.isEmpty()) {
            String reason = excepted.isEmpty() ? "allowed: no vulnerabilities at or above " + settings.severity()
                    : "allowed: " + String.join(", ", excepted);
            // Nothing to upgrade, but an OS past its end of support is worth knowing before it is denied.
            Remedy remedy = report.osEndOfSupport() == null ? null : Remedy.of(null, List.of(), report.osEndOfSupport());
            return new Verdict(image, Verdict.Status.PASSED, true, reason, List.of(), null, excepted, null, remedy);
        }
        List<Finding> against = overCounts.stream().distinct().sorted(Finding.MOST_SEVERE_FIRST).toList();
        Remedy remedy = Remedy.of(String.join("; ", problems), against, report.osEndOfSupport());
        return new Verdict(image, Verdict.Status.VULNERABLE, false, remedy.reason(reasonLimit(image)), against,
                against.get(0).severity(), excepted, null, remedy);
    }

    /**
     * Room for an image's reason when it is the only one denied: the review's reason is 1 KiB, of which 40
     * characters are kept for "; and N more denied image(s)" and the image itself is quoted (at most 200) before
     * it, with ": ".
     */
    static int reasonLimit(String image) {
        return REVIEW_REASON_LIMIT - MORE_IMAGES_ROOM - Math.min(image.length(), IMAGE_QUOTED_LIMIT) - 2;
    }

    private static Verdict byAction(String image, Verdict.Status status, Action action, String reason) {
        boolean allowed = action == Action.ALLOW;
        return Verdict.of(image, status, allowed, (allowed ? "allowed: " : "denied: ") + reason);
    }

    private static Verdict exempt(String image, String namespace) {
        return Verdict.of(image, Verdict.Status.ALLOWED_BY_RULE, true, "allowed: namespace " + namespace + " is exempt");
    }

    /**
     * "3 CRITICAL, 12 HIGH": distinct vulnerabilities, each at its most severe, most severe first, with the
     * packages they affect where that number differs ("1 CRITICAL in 2 packages": one CVE in musl and musl-utils).
     */
    static String counts(List<Finding> findings) {
        Map<String, Severity> byId = new LinkedHashMap<>();
        findings.forEach(f -> byId.merge(f.vulnerabilityId(), f.severity(), (a, b) -> a.isAtLeast(b) ? a : b));
        Map<Severity, Long> counts = new EnumMap<>(Severity.class);
        byId.values().forEach(severity -> counts.merge(severity, 1L, Long::sum));
        String bySeverity = counts.keySet().stream().sorted(Comparator.reverseOrder())
                .map(severity -> counts.get(severity) + " " + severity).collect(Collectors.joining(", "));
        long packages = findings.stream().map(f -> Arrays.asList(f.packageName(), f.installedVersion())).distinct().count();
        return packages == byId.size() ? bySeverity : bySeverity + " in " + packages + (packages == 1 ? " package" : " packages");
    }

    private static long distinctIds(List<Finding> findings) {
        return findings.stream().map(Finding::vulnerabilityId).distinct().count();
    }

    private static Settings orEmpty(Settings settings) {
        return settings != null ? settings : new Settings(null, null, null, null, null, null, null);
    }

    private static void checkMaxCounts(String where, Map<Severity, Integer> maxCounts) {
        maxCounts.forEach((severity, max) -> {
            if (max == null || max < 0) {
                throw new InvalidPolicyException(where + ".maxCounts." + severity, "must be 0 or more");
            }
        });
    }

    private static List<String> nonBlank(String field, List<String> values) {
        if (values == null) {
            return List.of();
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null || values.get(i).isBlank()) {
                throw new InvalidPolicyException(field + "[" + i + "]", "must not be empty");
            }
        }
        return List.copyOf(values);
    }

    private static List<ImagePattern> patterns(String field, List<String> globs) {
        return nonBlank(field, globs).stream().map(ImagePattern::of).toList();
    }

    private static List<SignatureRule> signatureRules(List<PolicyDocument.SignatureEntry> entries, Path directory) {
        if (entries == null) {
            return List.of();
        }
        List<SignatureRule> rules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            PolicyDocument.SignatureEntry entry = entries.get(i);
            String field = "signatures[" + i + "]";
            if (entry == null || entry.images() == null || entry.images().isEmpty()) {
                throw new InvalidPolicyException(field + ".images", "missing: the images that must be signed");
            }
            if (entry.keys() == null || entry.keys().isEmpty()) {
                throw new InvalidPolicyException(field + ".keys", "missing: the public keys a signature may be made with");
            }
            List<SigningKey> keys = new ArrayList<>();
            for (int k = 0; k < entry.keys().size(); k++) {
                SigningKey key = signingKey(entry.keys().get(k), field + ".keys[" + k + "]", directory);
                if (keys.stream().anyMatch(other -> other.name().equals(key.name()))) {
                    throw new InvalidPolicyException(field + ".keys[" + k + "].name",
                            "\"" + key.name() + "\" names two keys of this rule");
                }
                keys.add(key);
            }
            TransparencyLog log = entry.transparencyLog() == null ? TransparencyLog.REQUIRED : entry.transparencyLog();
            rules.add(new SignatureRule(patterns(field + ".images", entry.images()),
                    nonBlank(field + ".namespaces", entry.namespaces()), new KeySet(keys, log),
                    entry.action() == null ? SignatureAction.DENY : entry.action()));
        }
        return List.copyOf(rules);
    }

    /** A key inline or from its file, checked to be a public key cosign can verify with. */
    private static SigningKey signingKey(PolicyDocument.KeyEntry entry, String field, Path directory) {
        if (entry == null || entry.name() == null || entry.name().isBlank()) {
            throw new InvalidPolicyException(field + ".name", "missing: the name reasons give the key");
        }
        boolean inline = entry.publicKey() != null && !entry.publicKey().isBlank();
        boolean inFile = entry.file() != null && !entry.file().isBlank();
        if (inline == inFile) {
            throw new InvalidPolicyException(field, "give the key as publicKey (PEM) or as file, one of the two");
        }
        String pem;
        String where = field + (inline ? ".publicKey" : ".file");
        if (inline) {
            pem = entry.publicKey();
        } else {
            Path file = directory.resolve(entry.file());
            try {
                pem = Files.readString(file);
            } catch (IOException e) {
                throw new InvalidPolicyException(where, "cannot read " + file + ": " + e.getClass().getSimpleName());
            }
        }
        SigningKey.problemWith(pem).ifPresent(problem -> {
            throw new InvalidPolicyException(where, problem);
        });
        return new SigningKey(entry.name(), pem.strip() + "\n");
    }

    private static List<ExceptionRule> exceptionRules(List<PolicyDocument.ExceptionEntry> entries) {
        if (entries == null) {
            return List.of();
        }
        List<ExceptionRule> rules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            PolicyDocument.ExceptionEntry entry = entries.get(i);
            String field = "exceptions[" + i + "]";
            if (entry == null || entry.id() == null || entry.id().isBlank()) {
                throw new InvalidPolicyException(field + ".id", "missing: the vulnerability ID it excepts");
            }
            if (entry.expires() == null) {
                throw new InvalidPolicyException(field + ".expires", "missing: every exception must end (YYYY-MM-DD)");
            }
            if (entry.reason() == null || entry.reason().isBlank()) {
                throw new InvalidPolicyException(field + ".reason", "missing: why (a ticket or a sentence)");
            }
            rules.add(new ExceptionRule(entry.id(), patterns(field + ".images", entry.images()),
                    nonBlank(field + ".namespaces", entry.namespaces()), entry.expires(), entry.reason()));
        }
        return rules;
    }
}
