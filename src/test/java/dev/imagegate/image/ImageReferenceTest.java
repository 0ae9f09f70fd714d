package dev.imagegate.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ImageReferenceTest {

    private static final String SHA256 = "sha256:" + "a".repeat(64);

    static Stream<Arguments> validReferences() {
        return Stream.of(
                // reference, registry, path, tag, digest
                arguments("nginx", "docker.io", "library/nginx", null, null),
                arguments("nginx:1.27", "docker.io", "library/nginx", "1.27", null),
                arguments("library/nginx:latest", "docker.io", "library/nginx", "latest", null),
                arguments("docker.io/nginx", "docker.io", "library/nginx", null, null),
                arguments("index.docker.io/library/nginx", "docker.io", "library/nginx", null, null),
                arguments("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", null),
                arguments("ghcr.io/aquasecurity/trivy:0.74.0", "ghcr.io", "aquasecurity/trivy", "0.74.0", null),
                arguments("localhost/app", "localhost", "app", null, null),
                arguments("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1", null),
                arguments("127.0.0.1:5000/app@" + SHA256, "127.0.0.1:5000", "app", null, SHA256),
                arguments("[::1]:5000/app:1", "[::1]:5000", "app", "1", null),
                arguments("registry.k8s.io/pause:3.10", "registry.k8s.io", "pause", "3.10", null),
                arguments("Registry.Example.com/app", "Registry.Example.com", "app", null, null),
                arguments("registry-1.example.com/a/b/c/d:tag_1.0-rc.2", "registry-1.example.com", "a/b/c/d", "tag_1.0-rc.2", null),
                arguments("example.com/a__b/c-d/e.f/g_h:x", "example.com", "a__b/c-d/e.f/g_h", "x", null),
                arguments("example.com/a---b:1", "example.com", "a---b", "1", null),
                arguments("nginx:1.27@" + SHA256, "docker.io", "library/nginx", "1.27", SHA256),
                arguments("nginx:_under", "docker.io", "library/nginx", "_under", null),
                arguments("nginx:" + "t".repeat(128), "docker.io", "library/nginx", "t".repeat(128), null),
                arguments("app@sha512:" + "b".repeat(128), "docker.io", "library/app", null, "sha512:" + "b".repeat(128)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validReferences")
    void parsesValidReferences(String reference, String domain, String path, String tag, String digest) {
        ImageReference image = ImageReference.parse(reference);

        assertThat(image.original()).isEqualTo(reference);
        assertThat(image.domain()).isEqualTo(domain);
        assertThat(image.path()).isEqualTo(path);
        assertThat(image.tag()).isEqualTo(tag);
        assertThat(image.digest()).isEqualTo(digest);
    }

    static Stream<Arguments> invalidReferences() {
        return Stream.of(
                arguments("", "empty"),
                arguments("nginx latest", "whitespace"),
                arguments(" nginx", "whitespace"),
                arguments("nginx\n", "whitespace"),
                arguments("NGINX", "must be lowercase"),
                arguments("example.com/Team/app", "lowercase"),
                arguments("-nginx", "grammar"),
                arguments("--config=/etc/passwd", "grammar"),
                arguments("nginx:", "tag must match"),
                arguments("nginx:-tag", "tag must match"),
                arguments("nginx:" + "t".repeat(129), "tag must match"),
                arguments("nginx:a/b", "grammar"),
                arguments("nginx@sha256:abc", "digest"),
                arguments("nginx@sha256:" + "A".repeat(64), "lowercase hex"),
                arguments("nginx@sha256:" + "a".repeat(63), "64 lowercase hex"),
                arguments("nginx@md5:" + "a".repeat(32), "not supported"),
                arguments("nginx@", "digest"),
                arguments("example.com:port/app", "grammar"),
                arguments("example.com//app", "grammar"),
                arguments("example.com/app/", "grammar"),
                arguments("a_-b", "grammar"),
                arguments("a..b/c", "grammar"),
                arguments("-example.com/app", "grammar"),
                arguments("example-.com/app", "grammar"),
                arguments("$(touch /tmp/pwned)", "whitespace"),
                arguments("$(id)", "grammar"),
                arguments("nginx;rm -rf /", "whitespace"),
                arguments("nginx`id`", "grammar"),
                arguments("ｎginx", "grammar"),
                arguments("a".repeat(64).replace('a', 'f'), "hexadecimal"),
                arguments("example.com/" + "a".repeat(244), "longer than 255"),
                arguments("x".repeat(2000), "too long"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\": {1}")
    @MethodSource("invalidReferences")
    void rejectsInvalidReferences(String reference, String reasonMentions) {
        assertThatThrownBy(() -> ImageReference.parse(reference))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageContaining(reasonMentions);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @MethodSource("canonicalForms")
    void spellingsOfOneImageShareTheCanonicalForm(String reference, String canonical) {
        assertThat(ImageReference.parse(reference).canonical()).isEqualTo(canonical);
    }

    static Stream<Arguments> canonicalForms() {
        return Stream.of(
                arguments("nginx:1.27", "docker.io/library/nginx:1.27"),
                arguments("docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
                arguments("index.docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
                arguments("nginx@" + SHA256, "docker.io/library/nginx@" + SHA256));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("digestForms")
    void aTaggedDigestIsTheSameImageAsTheBareDigest(String reference) {
        assertThat(ImageReference.parse(reference).byDigest()).isEqualTo("docker.io/library/nginx@" + SHA256);
    }

    static Stream<String> digestForms() {
        return Stream.of("nginx@" + SHA256, "nginx:1.27@" + SHA256, "docker.io/library/nginx:1.27@" + SHA256);
    }
}
