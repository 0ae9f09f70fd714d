package dev.imagegate.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which version to upgrade a package to, from trivy's {@code FixedVersion}s of its vulnerabilities. trivy writes
 * one version ({@code 3.1.7-r1}), one per maintained branch ({@code 5.3.18, 5.2.20}), or, for some ecosystems,
 * ranges ({@code >= 3.1.0, >= 2.1.3, < 3.0.0}). A branch is picked when the installed version says which line it
 * is on; otherwise trivy's text is shown as it is.
 */
final class FixedVersions {

    /** A single version, as distributions and language ecosystems write them: no spaces, commas or operators. */
    private static final Pattern VERSION = Pattern.compile("[0-9][0-9A-Za-z.+~_:-]*");
    private static final Pattern TOKEN = Pattern.compile("\\d+|\\D+");
    private static final Pattern NUMBERS = Pattern.compile("\\d+");

    private FixedVersions() {
    }

    /**
     * The version that fixes every one of a package's vulnerabilities: the highest of the versions on the
     * installed line when each can be told, else trivy's texts.
     */
    static String upgradeTo(String installed, List<String> fixedVersions) {
        Set<String> picked = new LinkedHashSet<>();
        for (String fixed : fixedVersions) {
            picked.add(onInstalledLine(installed, fixed.strip()));
        }
        if (picked.size() > 1 && picked.stream().allMatch(v -> VERSION.matcher(v).matches())) {
            return picked.stream().max(FixedVersions::compare).orElseThrow();
        }
        return String.join(" and ", picked);
    }

    /** Of trivy's "5.3.18, 5.2.20", the one on the installed version's line (5.3.15: 5.3.18), if that can be told. */
    static String onInstalledLine(String installed, String fixed) {
        List<String> branches = Arrays.stream(fixed.split(",")).map(String::strip).filter(b -> !b.isEmpty()).toList();
        if (branches.size() < 2 || installed == null
                || !branches.stream().allMatch(b -> VERSION.matcher(b).matches())) {
            return fixed;
        }
        List<String> line = numbers(installed);
        int best = -1;
        List<String> closest = new ArrayList<>();
        for (String branch : branches) {
            int shared = sharedPrefix(line, numbers(branch));
            if (shared > best) {
                best = shared;
                closest.clear();
            }
            if (shared == best) {
                closest.add(branch);
            }
        }
        return best > 0 && closest.size() == 1 ? closest.get(0) : fixed;
    }

    /** Compares versions piece by piece, numbers as numbers: enough to order the fixes of one package. */
    static int compare(String a, String b) {
        Matcher left = TOKEN.matcher(a);
        Matcher right = TOKEN.matcher(b);
        while (left.find()) {
            if (!right.find()) {
                return 1;
            }
            String l = left.group();
            String r = right.group();
            boolean numbers = Character.isDigit(l.charAt(0)) && Character.isDigit(r.charAt(0));
            int order = numbers ? Comparator.<String>comparingInt(String::length).thenComparing(Comparator.naturalOrder())
                    .compare(strip(l), strip(r)) : l.compareTo(r);
            if (order != 0) {
                return order;
            }
        }
        return right.find() ? -1 : 0;
    }

    private static String strip(String digits) {
        return digits.replaceFirst("^0+(?=.)", "");
    }

    private static List<String> numbers(String version) {
        List<String> numbers = new ArrayList<>();
        Matcher matcher = NUMBERS.matcher(version);
        while (matcher.find()) {
            numbers.add(strip(matcher.group()));
        }
        return numbers;
    }

    private static int sharedPrefix(List<String> a, List<String> b) {
        int shared = 0;
        while (shared < a.size() && shared < b.size() && a.get(shared).equals(b.get(shared))) {
            shared++;
        }
        return shared;
    }
}
