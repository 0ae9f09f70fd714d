package dev.imagegate.review;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ImageReview request as kube-apiserver sends it, and explains precisely what is wrong with
 * anything else. Types are checked by hand because Jackson would quietly coerce {@code "image": 42}.
 */
@Component
public class ReviewReader {

    private final ObjectMapper mapper;

    public ReviewReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ImageReview read(byte[] body) {
        JsonNode root = parse(body);
        if (!root.isObject()) {
            throw new InvalidReviewException("request body must be a JSON object (an ImageReview)");
        }
        expect(root, "apiVersion", ImageReview.API_VERSION);
        expect(root, "kind", ImageReview.KIND);
        JsonNode spec = root.get("spec");
        if (spec == null || !spec.isObject()) {
            throw new InvalidReviewException("spec must be an object");
        }
        return new ImageReview(containers(spec.get("containers")), annotations(spec.get("annotations")),
                optionalString(spec.get("namespace"), "spec.namespace"));
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidReviewException("request body is empty; expected an ImageReview");
        }
        try {
            JsonNode root = mapper.readTree(body);
            if (root == null || root.isMissingNode()) {
                throw new InvalidReviewException("request body is empty; expected an ImageReview");
            }
            return root;
        } catch (JacksonException e) {
            throw new InvalidReviewException("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidReviewException("request body could not be read");
        }
    }

    private static void expect(JsonNode root, String field, String expected) {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual() || !value.asText().equals(expected)) {
            throw new InvalidReviewException(field + " must be \"" + expected + "\"");
        }
    }

    private static List<String> containers(JsonNode containers) {
        if (isAbsent(containers)) {
            return List.of();
        }
        if (!containers.isArray()) {
            throw new InvalidReviewException("spec.containers must be a list");
        }
        List<String> images = new ArrayList<>(containers.size());
        for (int i = 0; i < containers.size(); i++) {
            JsonNode container = containers.get(i);
            if (!container.isObject()) {
                throw new InvalidReviewException("spec.containers[" + i + "] must be an object");
            }
            // Go decodes a missing image as "", which the reference check then denies.
            images.add(optionalString(container.get("image"), "spec.containers[" + i + "].image"));
        }
        return images;
    }

    private static Map<String, String> annotations(JsonNode annotations) {
        if (isAbsent(annotations)) {
            return Map.of();
        }
        if (!annotations.isObject()) {
            throw new InvalidReviewException("spec.annotations must be an object of strings");
        }
        Map<String, String> result = new LinkedHashMap<>();
        annotations.fields().forEachRemaining(entry -> {
            if (!entry.getValue().isTextual()) {
                throw new InvalidReviewException("spec.annotations values must be strings");
            }
            result.put(entry.getKey(), entry.getValue().asText());
        });
        return result;
    }

    private static String optionalString(JsonNode value, String field) {
        if (isAbsent(value)) {
            return "";
        }
        if (!value.isTextual()) {
            throw new InvalidReviewException(field + " must be a string");
        }
        return value.asText();
    }

    private static boolean isAbsent(JsonNode value) {
        return value == null || value.isNull();
    }
}
