package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of random and mutated ImageReviews over real HTTP: every answer is a valid ImageReview or a 4xx
 * JSON error, never a 5xx, and the service answers normally afterwards.
 */
@ImageGateHttpTest
class RobustnessHttpTest {

    static final int REQUESTS = 3000;
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final List<String> IMAGES = List.of("registry.test/fuzz/clean:1", "registry.test/fuzz/vulnerable:1",
            "registry.test/fuzz/missing:1", "NOT VALID", "", "nginx@sha256:abc");
    static final List<String> STRANGE = List.of("", " ", "\u0000", "💥🐳", "\u202Eevil", "a".repeat(100_000),
            "{\"nested\":\"json\"}", "<script>alert(1)</script>", "../../../../etc/passwd", "%s%n%x", "\uD800");

    @Autowired
    ReviewClient client;

    final Random random = new Random(20261128);
    final ObjectMapper mapper = new ObjectMapper();

    @Test
    void neverAnswersWithA5xx() throws Exception {
        for (int i = 0; i < REQUESTS; i++) {
            String body = randomBody();
            HttpResponse<String> response = client.post(body);

            String context = "request " + i + ": " + abbreviate(body) + " -> " + response.statusCode() + " " + abbreviate(response.body());
            assertThat(response.statusCode()).as(context).isLessThan(500);
            JsonNode answer = ReviewClient.json(response.body());
            if (response.statusCode() == 200) {
                assertThat(answer.path("kind").asText()).as(context).isEqualTo("ImageReview");
                assertThat(answer.at("/status/allowed").isBoolean()).as(context).isTrue();
                assertThat(answer.at("/status/reason").asText().length()).as(context).isLessThanOrEqualTo(Decision.REASON_LIMIT);
            } else {
                assertThat(response.statusCode()).as(context).isBetween(400, 499);
                assertThat(answer.path("error").isTextual()).as(context).isTrue();
            }
        }

        assertThat(client.review("registry.test/fuzz/clean:1").get("allowed").asBoolean()).isTrue();
        assertThat(client.actuator("/actuator/health").statusCode()).isEqualTo(200);
    }

    private String randomBody() throws Exception {
        return switch (random.nextInt(10)) {
            case 0 -> randomBytes();
            case 1 -> truncated(mapper.writeValueAsString(validReview()));
            case 2 -> deeplyNested();
            case 3 -> mapper.writeValueAsString(manyContainers());
            default -> mapper.writeValueAsString(mutate(validReview(), 1 + random.nextInt(4)));
        };
    }

    private ObjectNode validReview() {
        ObjectNode review = JSON.objectNode().put("kind", "ImageReview").put("apiVersion", "imagepolicy.k8s.io/v1alpha1");
        review.putObject("metadata").putNull("creationTimestamp");
        ObjectNode spec = review.putObject("spec");
        ArrayNode containers = spec.putArray("containers");
        for (int i = random.nextInt(4); i >= 0; i--) {
            containers.addObject().put("image", IMAGES.get(random.nextInt(IMAGES.size())));
        }
        spec.putObject("annotations").put("a.image-policy.k8s.io/x", "y");
        spec.put("namespace", "fuzz");
        review.putObject("status").put("allowed", false);
        return review;
    }

    /** Replaces, removes or adds fields anywhere in the tree. */
    private JsonNode mutate(ObjectNode review, int mutations) {
        for (int i = 0; i < mutations; i++) {
            ObjectNode target = randomObject(review);
            List<String> names = fieldNames(target);
            String name = names.isEmpty() || random.nextInt(5) == 0 ? strange() : names.get(random.nextInt(names.size()));
            if (random.nextInt(6) == 0) {
                target.remove(name);
            } else {
                target.set(name, randomValue(3));
            }
        }
        return review;
    }

    private ObjectNode randomObject(JsonNode node) {
        ObjectNode chosen = (ObjectNode) node;
        for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
            JsonNode child = children.next();
            if (random.nextInt(3) == 0) {
                if (child.isObject()) {
                    return randomObject(child);
                }
                if (child.isArray() && !child.isEmpty() && child.get(0).isObject()) {
                    return randomObject(child.get(0));
                }
            }
        }
        return chosen;
    }

    private JsonNode randomValue(int depth) {
        return switch (random.nextInt(depth > 0 ? 9 : 6)) {
            case 0 -> JSON.nullNode();
            case 1 -> JSON.booleanNode(random.nextBoolean());
            case 2 -> JSON.numberNode(random.nextLong());
            case 3 -> JSON.numberNode(random.nextDouble() * 1e308);
            case 4 -> JSON.textNode(strange());
            case 5 -> JSON.textNode(IMAGES.get(random.nextInt(IMAGES.size())));
            case 6 -> {
                ArrayNode array = JSON.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = JSON.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(random.nextBoolean() ? "image" : strange(), randomValue(depth - 1));
                }
                yield object;
            }
        };
    }

    private ObjectNode manyContainers() {
        ObjectNode review = validReview();
        ArrayNode containers = ((ObjectNode) review.get("spec")).putArray("containers");
        for (int i = 0; i < 2000; i++) {
            containers.addObject().put("image", random.nextBoolean() ? IMAGES.get(random.nextInt(IMAGES.size())) : "x y " + i);
        }
        return review;
    }

    private String deeplyNested() {
        int depth = 500 + random.nextInt(5000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        return "{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"spec\":{\"containers\":"
                + open.repeat(depth) + "1" + close.repeat(depth) + "}}";
    }

    private String randomBytes() {
        byte[] bytes = new byte[random.nextInt(2000)];
        random.nextBytes(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private String truncated(String json) {
        return json.substring(0, random.nextInt(json.length()));
    }

    private String strange() {
        return STRANGE.get(random.nextInt(STRANGE.size()));
    }

    private static List<String> fieldNames(JsonNode node) {
        return node.properties().stream().map(Map.Entry::getKey).toList();
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
