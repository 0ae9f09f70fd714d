package dev.imagegate.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** README.md as a new user reads it: its sections by heading, and the code blocks in each. */
public final class Readme {

    public static final Path FILE = Path.of("README.md");
    private static final Pattern FENCE = Pattern.compile("(?m)^( *)```(\\w*)\\n(.*?)^\\1```", Pattern.DOTALL);

    private final String text;

    private Readme(String text) {
        this.text = text;
    }

    public static Readme read() {
        try {
            return new Readme(Files.readString(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String text() {
        return text;
    }

    /** The section under {@code ## heading} (or {@code ### heading}), up to the next heading of its level or above. */
    public String section(String heading) {
        Matcher start = Pattern.compile("(?m)^(#{2,3}) " + Pattern.quote(heading) + "\\s*$").matcher(text);
        if (!start.find()) {
            throw new AssertionError("README.md has no section \"" + heading + "\"");
        }
        Matcher next = Pattern.compile("(?m)^#{2," + start.group(1).length() + "} ").matcher(text);
        int end = next.find(start.end()) ? next.start() : text.length();
        return text.substring(start.end(), end);
    }

    /** The contents of the code blocks fenced with this language ({@code sh}, {@code json}, {@code yaml}; "" for none). */
    public static List<String> codeBlocks(String section, String language) {
        List<String> blocks = new ArrayList<>();
        Matcher block = FENCE.matcher(section);
        while (block.find()) {
            if (block.group(2).equals(language)) {
                String indent = block.group(1);
                blocks.add(block.group(3).lines().map(line -> line.startsWith(indent) ? line.substring(indent.length()) : line)
                        .reduce("", (all, line) -> all + line + "\n"));
            }
        }
        return blocks;
    }

    /** The one code block of this language in the section that contains {@code marker}. */
    public static String codeBlock(String section, String language, String marker) {
        List<String> matching = codeBlocks(section, language).stream().filter(block -> block.contains(marker)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + language + " block with \"" + marker + "\" in the section, found "
                    + matching.size());
        }
        return matching.get(0);
    }
}
