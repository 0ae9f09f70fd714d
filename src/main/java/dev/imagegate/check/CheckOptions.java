package dev.imagegate.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code imagegate check} was asked: the images, the pod's namespace and annotations as the API server
 * would forward them, an optional policy file and trivy report, and Spring properties ({@code --imagegate.trivy.command=...}).
 *
 * @param policy      the policy file, or null for {@code imagegate.policy.file} as the webhook reads it
 * @param trivyReport a {@code trivy image --format json} report to judge instead of running trivy, or null
 * @param manifest    a multi-document YAML file ({@code -}: standard input) whose pod specs are judged as
 *                    admission would judge their creation, or null
 * @param properties  {@code --name=value} arguments with a dotted name, handed to Spring as the webhook's are
 */
record CheckOptions(List<String> images, String namespace, Map<String, String> annotations, Path policy,
                    Path trivyReport, Path manifest, Output output, List<String> properties) {

    /** {@code --manifest -}: the manifest comes on standard input, as {@code kubectl apply -f -} takes it. */
    static final Path STANDARD_INPUT = Path.of("-");

    enum Output { TEXT, JSON, SARIF }

    static final String USAGE = "usage: imagegate check [--policy FILE] [--namespace NS] [--annotation KEY=VALUE]... "
            + "[--trivy-report FILE] [--output text|json|sarif] [--imagegate.PROPERTY=VALUE]... "
            + "(IMAGE... | --manifest FILE|-)";

    static CheckOptions parse(List<String> args) {
        List<String> images = new ArrayList<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        List<String> properties = new ArrayList<>();
        String namespace = "default";
        Path policy = null;
        Path trivyReport = null;
        Path manifest = null;
        Output output = Output.TEXT;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!arg.startsWith("--")) {
                images.add(arg);
                continue;
            }
            if (name.contains(".")) {
                properties.add(requireValue(arg, name));
                continue;
            }
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : valueAfter(args, i++, name);
            switch (name) {
                case "--policy" -> policy = Path.of(value);
                case "--namespace" -> namespace = value;
                case "--annotation" -> annotation(value, annotations);
                case "--trivy-report" -> trivyReport = Path.of(value);
                case "--manifest" -> manifest = Path.of(value);
                case "--output" -> output = output(value);
                default -> throw new UsageException("unknown option " + name);
            }
        }
        if (images.isEmpty() && manifest == null) {
            throw new UsageException("no image given");
        }
        if (!images.isEmpty() && manifest != null) {
            throw new UsageException("give IMAGEs or --manifest, not both");
        }
        if (manifest != null && output == Output.SARIF) {
            throw new UsageException("--output sarif is written for IMAGEs; judge a manifest with --output text or json");
        }
        if (trivyReport != null && images.size() != 1) {
            throw new UsageException("--trivy-report is the report of one image: give exactly one IMAGE with it");
        }
        return new CheckOptions(List.copyOf(images), namespace, annotations, policy, trivyReport, manifest, output,
                List.copyOf(properties));
    }

    private static String valueAfter(List<String> args, int index, String name) {
        if (index + 1 >= args.size()) {
            throw new UsageException(name + " needs a value");
        }
        return args.get(index + 1);
    }

    private static String requireValue(String arg, String name) {
        if (!arg.contains("=")) {
            throw new UsageException(name + " needs a value: " + name + "=VALUE");
        }
        return arg;
    }

    private static void annotation(String value, Map<String, String> annotations) {
        int equals = value.indexOf('=');
        if (equals <= 0) {
            throw new UsageException("--annotation takes KEY=VALUE, not \"" + value + "\"");
        }
        annotations.put(value.substring(0, equals), value.substring(equals + 1));
    }

    private static Output output(String value) {
        try {
            return Output.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--output is text, json or sarif, not \"" + value + "\"");
        }
    }
}
