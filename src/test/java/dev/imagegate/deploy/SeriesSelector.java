package dev.imagegate.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A series a PromQL expression reads: the metric name and the label values it requires ({@code =} and
 * {@code =~} matchers; matchers on Grafana variables such as {@code $pod} and on target labels are left out,
 * since they are set by the scrape, not by ImageGate).
 */
record SeriesSelector(String metric, Map<String, Pattern> labels) {

    /** Labels Prometheus adds to every series of a target. */
    private static final Set<String> TARGET_LABELS = Set.of("namespace", "pod", "container", "job", "instance", "endpoint");
    /** Words of PromQL that are not series, with the aggregation operators that may stand before {@code by}. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*})?");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The series selectors in a PromQL expression (functions, keywords, grouping labels and durations are not series). */
    static List<SeriesSelector> in(String expression) {
        String code = expression
                .replaceAll("\\[[^]]*]", " ")                                     // range and subquery durations
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1 ");
        List<SeriesSelector> selectors = new ArrayList<>();
        Matcher selector = SELECTOR.matcher(code);
        while (selector.find()) {
            String name = selector.group(1);
            boolean called = code.substring(selector.end()).stripLeading().startsWith("(");
            boolean number = selector.start() > 0 && Character.isDigit(code.charAt(selector.start() - 1));
            boolean variable = selector.start() > 0 && code.charAt(selector.start() - 1) == '$';
            if (called || KEYWORDS.contains(name.toLowerCase()) || number || variable) {
                continue;
            }
            selectors.add(new SeriesSelector(name, requiredLabels(selector.group(2))));
        }
        return selectors;
    }

    /** Whether a sample of the exposition, given as its name and labels, is one this selector reads. */
    boolean matches(String sampleName, Map<String, String> sampleLabels) {
        return sampleName.equals(metric) && labels.entrySet().stream()
                .allMatch(label -> label.getValue().matcher(sampleLabels.getOrDefault(label.getKey(), "")).matches());
    }

    private static Map<String, Pattern> requiredLabels(String braces) {
        Map<String, Pattern> labels = new LinkedHashMap<>();
        if (braces == null) {
            return labels;
        }
        Matcher matcher = MATCHER.matcher(braces);
        while (matcher.find()) {
            String label = matcher.group(1);
            String value = matcher.group(3).replace("\\\\", "\\");
            if (TARGET_LABELS.contains(label) || value.contains("$")) {
                continue;
            }
            if (matcher.group(2).equals("=")) {
                labels.put(label, Pattern.compile(Pattern.quote(value)));
            } else if (matcher.group(2).equals("=~")) {
                labels.put(label, Pattern.compile(value));
            }
        }
        return labels;
    }

    @Override
    public String toString() {
        return metric + labels;
    }
}
