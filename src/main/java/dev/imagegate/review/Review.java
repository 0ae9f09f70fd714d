package dev.imagegate.review;

import dev.imagegate.policy.Policy;
import dev.imagegate.policy.Verdict;

import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One review being answered, whichever door it came in by: the request, the policy in force when it arrived
 * (the only one it is judged by), when it arrived, when it must be decided, and, once the split has collected
 * them, each distinct image's check by image.
 */
public record Review(ReviewRequest request, Policy policy, Instant received, Instant deadline,
                     Map<String, ImageCheck> checks) implements Iterable<ImageCheck> {

    public Review {
        checks = Map.copyOf(checks);
    }

    public static Review of(ReviewRequest request, Policy policy, Instant received, Instant deadline) {
        return new Review(request, policy, received, deadline, Map.of());
    }

    public String namespace() {
        return request.namespace();
    }

    /** Each distinct image, unchecked yet: what the route's split goes through. */
    @Override
    public Iterator<ImageCheck> iterator() {
        return request.images().stream().map(image -> ImageCheck.of(image, namespace(), policy)).iterator();
    }

    /** This review with the checks the split collected; one per image, the last one if an edited route sent two. */
    public Review withChecks(Collection<ImageCheck> collected) {
        Map<String, ImageCheck> byImage = new LinkedHashMap<>();
        collected.forEach(check -> byImage.put(check.image(), check));
        return new Review(request, policy, received, deadline, byImage);
    }

    /** Each image judged by this review's policy as its check stands now, combined into the answer. */
    public Decision decision(Instant now) {
        List<Verdict> verdicts = request.images().stream().map(this::verdictOf).toList();
        return Decision.of(request, verdicts, policy.enforcement(namespace(), request.annotations()), now);
    }

    private Verdict verdictOf(String image) {
        ImageCheck check = checks.get(image);
        return (check != null ? check : ImageCheck.of(image, namespace(), policy)).verdict();
    }
}
