package dev.imagegate.policy;

import dev.imagegate.scan.report.Severity;
import dev.imagegate.signature.TransparencyLog;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/** The policy file as written (YAML); {@link Policy#from} checks it and turns it into rules. */
public record PolicyDocument(Settings defaults, List<String> registries, ImageLists images, List<ExceptionEntry> exceptions,
                             NamespaceSection namespaces, BreakGlassSection breakGlass, List<SignatureEntry> signatures) {

    /** The rules that namespaces may override; a null field is "not set here". */
    public record Settings(Mode mode, Severity severity, Map<Severity, Integer> maxCounts, Boolean ignoreUnfixed,
                           Action onScanError, Action onPending, Boolean requireDigest) {

        /** These settings, with {@code override}'s where it sets them. */
        Settings overriddenBy(Settings override) {
            return new Settings(pick(override.mode, mode), pick(override.severity, severity),
                    pick(override.maxCounts, maxCounts), pick(override.ignoreUnfixed, ignoreUnfixed),
                    pick(override.onScanError, onScanError), pick(override.onPending, onPending),
                    pick(override.requireDigest, requireDigest));
        }

        private static <T> T pick(T override, T base) {
            return override != null ? override : base;
        }
    }

    public record ImageLists(List<String> allow, List<String> deny) {
    }

    public record ExceptionEntry(String id, List<String> images, List<String> namespaces, LocalDate expires, String reason) {
    }

    public record NamespaceSection(List<String> exempt, Map<String, Settings> overrides) {
    }

    public record BreakGlassSection(List<String> namespaces) {
    }

    /** Images that must be signed by one of {@code keys}; {@link Policy#from} checks it. */
    public record SignatureEntry(List<String> images, List<String> namespaces, List<KeyEntry> keys,
                                 TransparencyLog transparencyLog, SignatureAction action) {
    }

    /** A public key, inline ({@code publicKey}, PEM) or in a file ({@code file}, relative to the policy file). */
    public record KeyEntry(String name, String publicKey, String file) {
    }
}
