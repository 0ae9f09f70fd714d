package dev.imagegate.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.imagegate.scan.report.Finding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What a developer can do about an image: the packages to upgrade and to which version, the packages with no
 * fix yet, and whether the image's OS release is past its end of support (then no upgrade helps: only a newer
 * base image). Built from the findings that count against the image; every string from the report is kept on
 * one line and cut short, because a hostile image can name its packages anything.
 *
 * @param problem        what counts against the image ({@code 2 CRITICAL, 3 HIGH at or above HIGH}), the
 *                       reason's first part; null for an image that was not denied
 * @param osEndOfSupport the OS release past its end of support ({@code alpine 3.9.4}), or null
 * @param fixes          one per package, most useful first: the most severe, then the most vulnerabilities fixed
 * @param unfixed        the packages with vulnerabilities no version fixes yet, in the same order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Remedy(@JsonIgnore String problem, String osEndOfSupport, List<Fix> fixes, List<Unfixed> unfixed) {

    /** An upgrade: {@code package} from {@code installed} to {@code fixed}, which fixes {@code vulnerabilities}. */
    public record Fix(@JsonProperty("package") String packageName, String installed, String fixed,
                      List<String> vulnerabilities) {
    }

    /** A package whose {@code vulnerabilities} no version fixes yet. */
    public record Unfixed(@JsonProperty("package") String packageName, String installed, List<String> vulnerabilities) {
    }

    static final int NAME_LIMIT = 80;
    static final int VERSION_LIMIT = 48;
    static final int ID_LIMIT = 40;
    static final int IDS_PER_PACKAGE = 3;
    static final String UNNAMED = "(unnamed package)";

    public Remedy {
        fixes = List.copyOf(fixes);
        unfixed = List.copyOf(unfixed);
    }

    /**
     * The remedy for {@code findings} (those that count against the image, most severe first): grouped by
     * package and installed version.
     */
    static Remedy of(String problem, List<Finding> findings, String osEndOfSupport) {
        Map<List<String>, List<Finding>> withFix = new LinkedHashMap<>();
        Map<List<String>, List<Finding>> withoutFix = new LinkedHashMap<>();
        for (Finding finding : findings) {
            List<String> key = List.of(text(finding.packageName(), NAME_LIMIT, UNNAMED),
                    text(finding.installedVersion(), VERSION_LIMIT, ""));
            (finding.hasFix() ? withFix : withoutFix).computeIfAbsent(key, k -> new ArrayList<>()).add(finding);
        }
        List<Fix> fixes = mostUsefulFirst(withFix, (key, group) -> new Fix(key.get(0), nullIfEmpty(key.get(1)),
                text(FixedVersions.upgradeTo(group.get(0).installedVersion(), group.stream().map(Finding::fixedVersion).toList()),
                        VERSION_LIMIT, ""), ids(group)));
        List<Unfixed> unfixed = mostUsefulFirst(withoutFix,
                (key, group) -> new Unfixed(key.get(0), nullIfEmpty(key.get(1)), ids(group)));
        return new Remedy(problem, osEndOfSupport == null ? null : text(osEndOfSupport, NAME_LIMIT, ""), fixes, unfixed);
    }

    /**
     * The reason a developer reads, within {@code limit} characters: {@code denied: }, the end of support first
     * (no upgrade helps then), the problem, the upgrades, the packages without a fix; what does not fit is
     * counted and pointed to where it is listed in full.
     */
    public String reason(int limit) {
        StringBuilder reason = new StringBuilder("denied: ");
        if (osEndOfSupport != null) {
            reason.append(osEndOfSupport).append(" is past end of support: rebuild on a supported base image; ");
        }
        reason.append(problem);
        List<String> items = new ArrayList<>();
        List<String> separators = new ArrayList<>();
        for (int i = 0; i < fixes.size(); i++) {
            separators.add(i == 0 ? "; upgrade " : ", ");
            items.add(describe(fixes.get(i)));
        }
        for (int i = 0; i < unfixed.size(); i++) {
            separators.add(i == 0 ? "; no fix yet: " : ", ");
            items.add(describe(unfixed.get(i)));
        }
        int shown = 0;
        while (shown < items.size()) {
            int left = items.size() - shown - 1;
            int needed = separators.get(shown).length() + items.get(shown).length() + (left > 0 ? more(left).length() : 0);
            if (reason.length() + needed > limit) {
                break;
            }
            reason.append(separators.get(shown)).append(items.get(shown));
            shown++;
        }
        if (shown < items.size()) {
            reason.append(more(items.size() - shown));
        }
        return reason.length() <= limit ? reason.toString() : reason.substring(0, Math.max(0, limit - 3)) + "...";
    }

    /** What the reason says about packages it had no room for. */
    static String more(int packages) {
        return "; and " + packages + " more (status.images, the audit log, imagegate check)";
    }

    /** "libcrypto3 3.1.4-r5 -> 3.1.7-r1 (CVE-2026-10001)". */
    public static String describe(Fix fix) {
        return fix.packageName() + (fix.installed() == null ? "" : " " + fix.installed()) + " -> " + fix.fixed()
                + " (" + firstIds(fix.vulnerabilities()) + ")";
    }

    /** "busybox (CVE-2026-10003)": short, for the one-line reason. */
    static String describe(Unfixed unfixed) {
        return unfixed.packageName() + " (" + firstIds(unfixed.vulnerabilities()) + ")";
    }

    /** "busybox 1.36.1-r15 (CVE-2026-10003)": with the version installed, for where there is room. */
    public static String describeWithVersion(Unfixed unfixed) {
        return unfixed.packageName() + (unfixed.installed() == null ? "" : " " + unfixed.installed())
                + " (" + firstIds(unfixed.vulnerabilities()) + ")";
    }

    private static String firstIds(List<String> ids) {
        String named = String.join(", ", ids.subList(0, Math.min(IDS_PER_PACKAGE, ids.size())));
        return ids.size() > IDS_PER_PACKAGE ? named + ", +" + (ids.size() - IDS_PER_PACKAGE) : named;
    }

    private static <T> List<T> mostUsefulFirst(Map<List<String>, List<Finding>> groups,
                                               BiFunction<List<String>, List<Finding>, T> build) {
        // Findings come most severe first, so a group's first finding is its most severe.
        Comparator<Map.Entry<List<String>, List<Finding>>> order = Comparator
                .comparing((Map.Entry<List<String>, List<Finding>> group) -> group.getValue().get(0).severity()).reversed()
                .thenComparing(group -> -ids(group.getValue()).size())
                .thenComparing(group -> group.getKey().get(0));
        return groups.entrySet().stream().sorted(order).map(group -> build.apply(group.getKey(), group.getValue())).toList();
    }

    private static List<String> ids(List<Finding> findings) {
        return findings.stream().map(Finding::vulnerabilityId).map(id -> text(id, ID_LIMIT, "?")).distinct().toList();
    }

    /** A string from the report as the reason may quote it: on one line, no invisible controls, cut short. */
    static String text(String value, int limit, String whenMissing) {
        if (value == null || value.isBlank()) {
            return whenMissing;
        }
        StringBuilder clean = new StringBuilder(Math.min(value.length(), limit));
        value.strip().codePoints().forEach(c -> clean.appendCodePoint(isInvisible(c) ? '?' : c));
        return clean.length() <= limit ? clean.toString() : clean.substring(0, limit - 3) + "...";
    }

    /** Line breaks, controls and format characters (bidirectional overrides among them) would change how the line reads. */
    private static boolean isInvisible(int c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE;
    }

    private static String nullIfEmpty(String value) {
        return value.isEmpty() ? null : value;
    }
}
