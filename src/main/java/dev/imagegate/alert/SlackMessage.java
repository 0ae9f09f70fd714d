package dev.imagegate.alert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegate.policy.Remedy;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of a Slack incoming webhook call: the alert's title as {@code text} (what notifications show), the
 * alert as Block Kit {@code blocks} (a header, one section per notable image with its fixes as a list, the
 * namespace and mode as context), and the channel, which webhooks created before Slack apps honour and app
 * webhooks ignore (they post to the channel they were made for).
 */
public record SlackMessage(String channel, String text, ArrayNode blocks) {

    /** Slack's limits: characters of a header, of a section's text, and blocks per message. */
    static final int HEADER_LIMIT = 150;
    static final int SECTION_LIMIT = 3000;
    static final int BLOCK_LIMIT = 50;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    public static SlackMessage of(Alert alert, String channel) {
        ArrayNode blocks = JSON.arrayNode();
        blocks.add(JSON.objectNode().put("type", "header").set("text", plain(cut(
                "ImageGate: " + alert.kind() + " in namespace " + (alert.namespace().isEmpty() ? "(none)" : alert.namespace()),
                HEADER_LIMIT))));
        List<Alert.ImageVerdict> notable = alert.notable();
        int sections = Math.min(notable.size(), BLOCK_LIMIT - 3);
        for (Alert.ImageVerdict verdict : notable.subList(0, sections)) {
            blocks.add(section(verdict));
        }
        List<String> context = new ArrayList<>();
        context.add("namespace *" + escape(alert.namespace().isEmpty() ? "(none)" : alert.namespace()) + "*");
        context.add("mode " + escape(alert.mode()));
        if (alert.subject() != null) {
            context.add(escape(alert.request()));
        }
        context.add((alert.allowed() ? "admitted" : "denied") + " at " + alert.time());
        if (sections < notable.size()) {
            context.add("and " + (notable.size() - sections) + " more images: see the audit log");
        }
        List<String> others = alert.verdicts().stream().filter(v -> !notable.contains(v)).map(Alert.ImageVerdict::image).toList();
        if (!others.isEmpty()) {
            context.add("also in the pod, admitted: " + escape(String.join(", ", others)));
        }
        blocks.add(JSON.objectNode().put("type", "context").set("elements",
                JSON.arrayNode().add(markdown(cut(String.join(" · ", context), SECTION_LIMIT)))));
        // The text is what notifications show, and Slack reads it as mrkdwn too: an invalid image reference is
        // denied and named, so it must not mention or link either.
        return new SlackMessage(channel, escape(alert.title()), blocks);
    }

    /** One image: its name, what counts against it, then the upgrades and what has no fix, as lists. */
    private static ObjectNode section(Alert.ImageVerdict verdict) {
        StringBuilder text = new StringBuilder("*").append(escape(verdict.image())).append("*\n").append(escape(verdict.summary()));
        if (verdict.osEndOfSupport() != null) {
            text.append("\n:warning: ").append(escape(verdict.osEndOfSupport()))
                    .append(" is past end of support: rebuild on a supported base image");
        }
        List<String> lines = new ArrayList<>();
        if (verdict.fixes() != null) {
            lines.add("*Upgrade*");
            verdict.fixes().forEach(fix -> lines.add("• " + escape(Remedy.describe(fix))));
        }
        if (verdict.unfixed() != null) {
            lines.add("*No fix yet*");
            verdict.unfixed().forEach(unfixed -> lines.add("• " + escape(Remedy.describeWithVersion(unfixed))));
        }
        int listed = 0;
        for (String line : lines) {
            long left = lines.subList(listed, lines.size()).stream().filter(l -> l.startsWith("• ")).count();
            String more = "\n• and " + left + " more (status.images, the audit log)";
            if (text.length() + 1 + line.length() + more.length() > SECTION_LIMIT) {
                text.append(more);
                break;
            }
            text.append('\n').append(line);
            listed++;
        }
        return JSON.objectNode().put("type", "section").set("text", markdown(cut(text.toString(), SECTION_LIMIT)));
    }

    private static ObjectNode plain(String text) {
        return JSON.objectNode().put("type", "plain_text").put("text", text);
    }

    /** mrkdwn, verbatim: a package named like a link, a channel or a mention stays text. */
    private static ObjectNode markdown(String text) {
        return JSON.objectNode().put("type", "mrkdwn").put("text", text).put("verbatim", true);
    }

    /** Slack's own escaping: the three characters that start links, mentions and entities. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cut(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, limit - 3) + "...";
    }
}
