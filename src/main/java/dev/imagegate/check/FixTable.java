package dev.imagegate.check;

import dev.imagegate.policy.Remedy;

import java.util.ArrayList;
import java.util.List;

/** An image's fixes as {@code check} prints them under its line: one row per package, columns aligned. */
final class FixTable {

    static final String NO_FIX = "(no fix yet)";
    private static final List<String> HEADER = List.of("PACKAGE", "INSTALLED", "FIXED", "VULNERABILITIES");

    private FixTable() {
    }

    static String of(Remedy remedy) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        remedy.fixes().forEach(fix -> rows.add(List.of(fix.packageName(), orEmpty(fix.installed()), fix.fixed(),
                String.join(", ", fix.vulnerabilities()))));
        remedy.unfixed().forEach(unfixed -> rows.add(List.of(unfixed.packageName(), orEmpty(unfixed.installed()), NO_FIX,
                String.join(", ", unfixed.vulnerabilities()))));
        int[] widths = new int[HEADER.size() - 1];
        for (List<String> row : rows) {
            for (int column = 0; column < widths.length; column++) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        StringBuilder table = new StringBuilder();
        for (List<String> row : rows) {
            table.append("  ");
            for (int column = 0; column < widths.length; column++) {
                table.append(row.get(column)).append(" ".repeat(widths[column] - row.get(column).length() + 2));
            }
            table.append(row.get(widths.length)).append('\n');
        }
        return table.toString();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
