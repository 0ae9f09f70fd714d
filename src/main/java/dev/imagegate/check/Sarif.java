package dev.imagegate.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.Severity;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code check --output sarif}: the answer as SARIF 2.1.0, the format code-scanning services (GitHub, GitLab,
 * Azure DevOps) read. One result per finding that counts against an image (rule: the vulnerability, with its
 * severity), one per image denied for another reason (rule {@value #DENIED_RULE}), located at the image
 * reference; the run's invocation carries the exit code {@code check} exits with.
 */
final class Sarif {

    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    static final String DENIED_RULE = "imagegate/denied";

    private Sarif() {
    }

    static ObjectNode of(Decision decision, int exitCode, ObjectMapper mapper) {
        Map<String, ObjectNode> rules = new LinkedHashMap<>();
        ArrayNode results = mapper.createArrayNode();
        for (Verdict verdict : decision.verdicts()) {
            if (verdict.allowed()) {
                continue;
            }
            if (verdict.findings().isEmpty()) {
                rules.computeIfAbsent(DENIED_RULE, id -> deniedRule(mapper));
                results.add(result(mapper, DENIED_RULE, indexOf(rules, DENIED_RULE), level(decision),
                        verdict.image() + ": " + verdict.reason(), verdict.image()));
                continue;
            }
            for (Finding finding : verdict.findings()) {
                rules.computeIfAbsent(finding.vulnerabilityId(), id -> vulnerabilityRule(mapper, finding));
                results.add(result(mapper, finding.vulnerabilityId(), indexOf(rules, finding.vulnerabilityId()),
                        level(decision), message(verdict.image(), finding), verdict.image()));
            }
        }
        ObjectNode driver = mapper.createObjectNode().put("name", "ImageGate");
        String version = Sarif.class.getPackage().getImplementationVersion();
        if (version != null) {
            driver.put("version", version);
        }
        driver.set("rules", mapper.createArrayNode().addAll(rules.values()));
        ObjectNode run = mapper.createObjectNode();
        run.set("tool", mapper.createObjectNode().set("driver", driver));
        run.set("invocations", mapper.createArrayNode().add(mapper.createObjectNode()
                .put("executionSuccessful", true).put("exitCode", exitCode)));
        run.set("results", results);
        ObjectNode sarif = mapper.createObjectNode().put("$schema", SCHEMA).put("version", "2.1.0");
        sarif.set("runs", mapper.createArrayNode().add(run));
        return sarif;
    }

    /** "libcrypto3 3.1.4-r5 is affected by CVE-2026-10001 (CRITICAL): upgrade to 3.1.7-r1", in image IMAGE. */
    static String message(String image, Finding finding) {
        String pkg = (finding.packageName() == null ? "a package" : finding.packageName())
                + (finding.installedVersion() == null ? "" : " " + finding.installedVersion());
        return pkg + " in " + image + " is affected by " + finding.vulnerabilityId() + " (" + finding.severity() + "): "
                + (finding.hasFix() ? "upgrade to " + finding.fixedVersion() : "no fix yet");
    }

    private static ObjectNode result(ObjectMapper mapper, String ruleId, int ruleIndex, String level, String message,
                                     String image) {
        ObjectNode result = mapper.createObjectNode().put("ruleId", ruleId).put("ruleIndex", ruleIndex).put("level", level);
        result.set("message", mapper.createObjectNode().put("text", message));
        ObjectNode physical = mapper.createObjectNode();
        physical.set("artifactLocation", mapper.createObjectNode().put("uri", uriOf(image)));
        physical.set("region", mapper.createObjectNode().put("startLine", 1));
        ObjectNode location = mapper.createObjectNode();
        location.set("physicalLocation", physical);
        location.set("logicalLocations", mapper.createArrayNode().add(mapper.createObjectNode()
                .put("fullyQualifiedName", image)));
        result.set("locations", mapper.createArrayNode().add(location));
        return result;
    }

    private static ObjectNode vulnerabilityRule(ObjectMapper mapper, Finding finding) {
        ObjectNode rule = mapper.createObjectNode().put("id", finding.vulnerabilityId()).put("name", "Vulnerability");
        rule.set("shortDescription", mapper.createObjectNode().put("text", finding.vulnerabilityId() + " (" + finding.severity() + ")"));
        rule.set("defaultConfiguration", mapper.createObjectNode().put("level", level(finding.severity())));
        ObjectNode properties = mapper.createObjectNode().put("severity", finding.severity().name())
                .put("security-severity", securitySeverity(finding.severity()));
        properties.set("tags", mapper.createArrayNode().add("security").add("vulnerability").add(finding.severity().name()));
        rule.set("properties", properties);
        return rule;
    }

    private static ObjectNode deniedRule(ObjectMapper mapper) {
        ObjectNode rule = mapper.createObjectNode().put("id", DENIED_RULE).put("name", "ImageDenied");
        rule.set("shortDescription", mapper.createObjectNode()
                .put("text", "The image would be denied without a vulnerability to name (a rule, a failed scan, an invalid reference)"));
        rule.set("defaultConfiguration", mapper.createObjectNode().put("level", "error"));
        return rule;
    }

    /** What the code-scanning service shows: an error where the cluster would deny, a warning where it admits anyway. */
    private static String level(Decision decision) {
        return decision.allowed() ? "warning" : "error";
    }

    private static String level(Severity severity) {
        return switch (severity) {
            case CRITICAL, HIGH -> "error";
            case MEDIUM -> "warning";
            case LOW, UNKNOWN -> "note";
        };
    }

    /** GitHub ranks security alerts by this score (0.0-10.0); the bands are CVSS v3's. */
    private static String securitySeverity(Severity severity) {
        return switch (severity) {
            case CRITICAL -> "9.5";
            case HIGH -> "8.0";
            case MEDIUM -> "5.5";
            case LOW -> "2.0";
            case UNKNOWN -> "0.0";
        };
    }

    /**
     * The image as a URI reference: a colon before the first slash ({@code localhost:5000/app}, {@code nginx:1.27})
     * would read as a URI scheme, so it is escaped there, as is anything a URI cannot hold (an invalid reference
     * is reported too).
     */
    static String uriOf(String image) {
        StringBuilder uri = new StringBuilder();
        boolean firstSegment = true;
        for (byte b : image.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            firstSegment &= c != '/';
            boolean plain = c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=@/".indexOf(c) >= 0
                    || (c == ':' && !firstSegment));
            uri.append(plain ? String.valueOf(c) : "%%%02X".formatted(b & 0xff));
        }
        return uri.toString();
    }

    private static int indexOf(Map<String, ObjectNode> rules, String id) {
        int index = 0;
        for (String key : rules.keySet()) {
            if (key.equals(id)) {
                return index;
            }
            index++;
        }
        throw new IllegalStateException("no rule " + id);
    }
}
