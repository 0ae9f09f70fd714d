package dev.imagegate.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads a policy file: strict YAML (unknown fields are mistakes), errors that say where. */
public final class PolicyReader {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new JavaTimeModule())
            .build();

    /** The last step of a field path: ".expires" or "[0]". */
    private static final Pattern LAST_STEP = Pattern.compile("(\\.[^.\\[]+|\\[\\d+])$");

    private PolicyReader() {
    }

    /** The policy the file describes; an empty file is the built-in rule. Key files are relative to the working directory. */
    public static Policy read(byte[] content, Action onPending, Clock clock) {
        return read(content, Path.of("."), onPending, clock);
    }

    /**
     * The policy the file describes; an empty file is the built-in rule.
     *
     * @param directory where the policy file is: key files ({@code signatures[].keys[].file}) are relative to it
     */
    public static Policy read(byte[] content, Path directory, Action onPending, Clock clock) {
        if (onlyComments(content)) {
            return Policy.builtIn(onPending, clock);
        }
        Map<String, Integer> lines = Map.of();
        try {
            lines = fieldLines(content);
            PolicyDocument document = YAML.readValue(content, PolicyDocument.class);
            return document == null ? Policy.builtIn(onPending, clock) : Policy.from(document, directory, onPending, clock);
        } catch (JsonProcessingException e) {
            throw new InvalidPolicyException(describe(e, lines));
        } catch (InvalidPolicyException e) {
            throw e.field() == null ? e : new InvalidPolicyException(where(lines, e.field()) + ": " + e.problem());
        } catch (IOException e) {
            throw new InvalidPolicyException("cannot be read: " + e.getMessage());
        }
    }

    private static boolean onlyComments(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines().map(String::trim)
                .allMatch(line -> line.isEmpty() || line.startsWith("#") || line.equals("---"));
    }

    /** "at line 12, column 5, field exceptions[0].expires: "soon" is not a valid LocalDate". */
    private static String describe(JsonProcessingException e, Map<String, Integer> lines) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            // Jackson locates an unknown key after its value; the line that names it is the one to fix.
            return where(lines, path(unknown)) + ": unknown field \"" + unknown.getPropertyName() + "\"";
        }
        JsonLocation location = e.getLocation();
        String where = location == null ? "" : "at line " + location.getLineNr() + ", column " + location.getColumnNr();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            where += ", field " + path(mapping);
        }
        String what;
        if (e instanceof InvalidFormatException format) {
            Class<?> type = format.getTargetType();
            what = "\"" + format.getValue() + "\" is not a valid " + (type.isEnum()
                    ? "value (one of " + Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ")) + ")"
                    : type.getSimpleName());
        } else {
            what = e.getOriginalMessage().lines().findFirst().orElse("invalid YAML");
        }
        return where + ": " + what;
    }

    /** "at line 7, field exceptions[0].expires": the field's own line or, when it is absent, its closest parent's. */
    private static String where(Map<String, Integer> lines, String field) {
        for (String path = field; ; path = LAST_STEP.matcher(path).replaceFirst("")) {
            Integer line = lines.get(path);
            if (line != null) {
                return "at line " + line + ", field " + field;
            }
            if (!LAST_STEP.matcher(path).find()) {
                return "field " + field;
            }
        }
    }

    /**
     * The line of every key and list item, by path ({@code exceptions[0].expires}). YAML aliases are refused here:
     * Jackson does not expand them, so {@code *first} would otherwise reach the policy as the text "first" and
     * fail as, say, "not a valid LocalDate".
     */
    private static Map<String, Integer> fieldLines(byte[] content) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.createParser(content)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                JsonStreamContext context = token.isStructStart() ? parser.getParsingContext().getParent() : parser.getParsingContext();
                int line = parser.currentTokenLocation().getLineNr();
                if (token == JsonToken.FIELD_NAME || context.inArray()) {
                    lines.putIfAbsent(path(context), line);
                }
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    throw new InvalidPolicyException(where(lines, path(context)) + ": *" + parser.getText()
                            + " repeats what &" + parser.getText() + " marks, and the policy file does not expand YAML"
                            + " anchors and aliases: write the value out");
                }
            }
        }
        return lines;
    }

    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext level = context; level != null && !level.inRoot(); level = level.getParent()) {
            parts.addFirst(level.inArray() ? "[" + level.getCurrentIndex() + "]" : "." + level.getCurrentName());
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            }
        }
        return path.toString();
    }
}
