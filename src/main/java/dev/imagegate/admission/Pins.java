package dev.imagegate.admission;

import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import dev.imagegate.review.ReviewRequest;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code /mutate} changes: each container whose image was judged by tag now names the digest that was
 * judged ({@code repo:tag@sha256:...}, the tag kept for people), so that the kubelet pulls exactly that image
 * even if the tag is re-pushed before it does. A reference that already has a digest, an image the decision
 * did not pin, and a denied object are left as they are.
 */
final class Pins {

    /** One JSONPatch operation. */
    record Operation(String op, String path, String value) {
    }

    private Pins() {
    }

    static List<Operation> of(Decision decision, AdmissionProperties.Pin pin) {
        if (!decision.allowed() || decision.subject() == null || !pins(decision.subject(), pin)) {
            return List.of();
        }
        Map<String, String> digests = decision.verdicts().stream().filter(v -> v.digest() != null)
                .collect(Collectors.toMap(Verdict::image, Verdict::digest, (first, second) -> first));
        return decision.containers().stream()
                .filter(container -> container.path() != null && !container.image().contains("@")
                        && digests.containsKey(container.image()))
                .map(container -> new Operation("replace", container.path(),
                        container.image() + "@" + digests.get(container.image())))
                .toList();
    }

    private static boolean pins(ReviewRequest.Subject subject, AdmissionProperties.Pin pin) {
        return switch (pin) {
            case NONE -> false;
            case PODS -> !subject.template();
            case PODS_AND_TEMPLATES -> true;
        };
    }
}
