package dev.imagegate.review;

import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The {@code image-digests} audit annotation: which digest each tag was judged on. */
class DecisionDigestsTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    static Stream<Arguments> reviews() {
        return Stream.of(
                arguments("a tag, judged on a digest", List.of(passed("app:1").at(A)), "app:1@" + A),
                arguments("two tags", List.of(passed("app:1").at(A), passed("registry.test/b:2").at(B)),
                        "app:1@" + A + ",registry.test/b:2@" + B),
                arguments("a digest reference says it already", List.of(passed("app@" + A).at(A)), null),
                arguments("a tag and a digest reference", List.of(passed("app:1").at(A), passed("app@" + B).at(B)), "app:1@" + A),
                arguments("decided without a look at the registry", List.of(passed("app:1")), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reviews")
    void namesTheDigestEachTagWasJudgedOn(String review, List<Verdict> verdicts, String annotation) {
        Decision decision = Decision.of("default", verdicts, Enforcement.ENFORCE, NOW);

        assertThat(decision.auditAnnotations().get("image-digests")).isEqualTo(annotation);
    }

    private static Verdict passed(String image) {
        return Verdict.of(image, Verdict.Status.PASSED, true, "allowed: no vulnerabilities at or above HIGH");
    }
}
