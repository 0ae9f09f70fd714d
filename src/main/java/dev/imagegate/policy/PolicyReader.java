package dev.imagegate.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads a policy file: strict YAML (unknown fields are mistakes), errors that say where. */
public final class PolicyReader {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new JavaTimeModule())
            .build();

    private PolicyReader() {
    }

    /** The policy the file describes; an empty file is the built-in rule. */
    public static Policy read(byte[] content, Action onPending, Clock clock) {
        if (onlyComments(content)) {
            return Policy.builtIn(onPending, clock);
        }
        try {
            PolicyDocument document = YAML.readValue(content, PolicyDocument.class);
            return document == null ? Policy.builtIn(onPending, clock) : Policy.from(document, onPending, clock);
        } catch (JsonProcessingException e) {
            throw new InvalidPolicyException(describe(e, new String(content, StandardCharsets.UTF_8)));
        } catch (InvalidPolicyException e) {
            throw new InvalidPolicyException("field " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidPolicyException("cannot be read: " + e.getMessage());
        }
    }

    private static boolean onlyComments(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines().map(String::trim)
                .allMatch(line -> line.isEmpty() || line.startsWith("#") || line.equals("---"));
    }

    /** "at line 12, column 5, field exceptions[0].expires: unknown field "expire"". */
    static String describe(JsonProcessingException e, String yaml) {
        JsonLocation location = e.getLocation();
        String where = location == null ? "" : "at line " + location.getLineNr() + ", column " + location.getColumnNr();
        if (e instanceof UnrecognizedPropertyException unknown && location != null) {
            where = "at line " + keyLine(yaml, unknown.getPropertyName(), location.getLineNr());
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            where += ", field " + path(mapping);
        }
        String what;
        if (e instanceof UnrecognizedPropertyException unknown) {
            what = "unknown field \"" + unknown.getPropertyName() + "\"";
        } else if (e instanceof InvalidFormatException format) {
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

    /** Jackson locates an unknown key after its value; the line that names it is the one to fix. */
    private static int keyLine(String yaml, String key, int reportedLine) {
        List<String> lines = yaml.lines().toList();
        Pattern naming = Pattern.compile("^\\s*(-\\s+)?\"?" + Pattern.quote(key) + "\"?\\s*:.*|.*[{,]\\s*" + Pattern.quote(key) + "\\s*:.*");
        for (int line = Math.min(reportedLine, lines.size()); line >= 1; line--) {
            if (naming.matcher(lines.get(line - 1)).matches()) {
                return line;
            }
        }
        return reportedLine;
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
