package dev.imagegate.review;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ReviewReaderTest {

    private static final String ENVELOPE = "\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\"";

    private final ReviewReader reader = new ReviewReader(new ObjectMapper());

    @Test
    void readsWhatKubeApiserverSends() {
        ImageReview review = read("{" + ENVELOPE + ",\"metadata\":{\"creationTimestamp\":null},"
                + "\"spec\":{\"containers\":[{\"image\":\"nginx:1.27\"},{\"image\":\"busybox\"},{\"image\":\"nginx:1.27\"}],"
                + "\"annotations\":{\"a.image-policy.k8s.io/ticket\":\"JIRA-1\"},\"namespace\":\"team-a\"},"
                + "\"status\":{\"allowed\":false}}\n");

        assertThat(review.containers()).containsExactly("nginx:1.27", "busybox", "nginx:1.27");
        assertThat(review.images()).containsExactly("nginx:1.27", "busybox");
        assertThat(review.annotations()).isEqualTo(Map.of("a.image-policy.k8s.io/ticket", "JIRA-1"));
        assertThat(review.namespace()).isEqualTo("team-a");
    }

    static Stream<Arguments> acceptedShapes() {
        return Stream.of(
                arguments("1.34 metadata {}", "{" + ENVELOPE + ",\"metadata\":{},\"spec\":{\"containers\":[{\"image\":\"a\"}]}}", List.of("a")),
                arguments("no metadata, no status", "{" + ENVELOPE + ",\"spec\":{\"containers\":[{\"image\":\"a\"}]}}", List.of("a")),
                arguments("empty fields omitted", "{" + ENVELOPE + ",\"spec\":{}}", List.of()),
                arguments("explicit nulls", "{" + ENVELOPE + ",\"spec\":{\"containers\":null,\"annotations\":null,\"namespace\":null}}", List.of()),
                arguments("unknown fields", "{" + ENVELOPE + ",\"extra\":[1],\"spec\":{\"x\":{},\"containers\":[{\"image\":\"a\",\"name\":\"c\"}]},\"status\":{\"allowed\":true,\"reason\":\"x\"}}", List.of("a")),
                arguments("missing image reads as empty", "{" + ENVELOPE + ",\"spec\":{\"containers\":[{}]}}", List.of("")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedShapes")
    void acceptsEveryShapeTheApiServerSends(String name, String body, List<String> images) {
        assertThat(read(body).images()).isEqualTo(images);
    }

    static Stream<Arguments> badInput() {
        return Stream.of(
                arguments("", "request body is empty"),
                arguments("   ", "request body is empty"),
                arguments("{not json", "request body is not valid JSON"),
                arguments("[1,2]", "must be a JSON object"),
                arguments("\"ImageReview\"", "must be a JSON object"),
                arguments("{\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"spec\":{}}", "kind must be \"ImageReview\""),
                arguments("{\"kind\":\"Pod\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"spec\":{}}", "kind must be \"ImageReview\""),
                arguments("{\"kind\":\"ImageReview\",\"spec\":{}}", "apiVersion must be \"imagepolicy.k8s.io/v1alpha1\""),
                arguments("{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1beta1\",\"spec\":{}}", "apiVersion must be"),
                arguments("{\"kind\":\"ImageReview\",\"apiVersion\":7,\"spec\":{}}", "apiVersion must be"),
                arguments("{" + ENVELOPE + "}", "spec must be an object"),
                arguments("{" + ENVELOPE + ",\"spec\":[]}", "spec must be an object"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"containers\":{\"image\":\"a\"}}}", "spec.containers must be a list"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"containers\":\"nginx\"}}", "spec.containers must be a list"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"containers\":[\"nginx\"]}}", "spec.containers[0] must be an object"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":42}]}}", "spec.containers[1].image must be a string"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"containers\":[{\"image\":[\"a\"]}]}}", "spec.containers[0].image must be a string"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"annotations\":[]}}", "spec.annotations must be an object of strings"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"annotations\":{\"a\":1}}}", "spec.annotations values must be strings"),
                arguments("{" + ENVELOPE + ",\"spec\":{\"namespace\":{}}}", "spec.namespace must be a string"),
                arguments("[".repeat(5000) + "]".repeat(5000), "request body is not valid JSON"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badInput")
    void explainsWhatIsWrong(String body, String message) {
        assertThatThrownBy(() -> read(body)).isInstanceOf(InvalidReviewException.class).hasMessageContaining(message);
    }

    private ImageReview read(String body) {
        return reader.read(body.getBytes(StandardCharsets.UTF_8));
    }
}
