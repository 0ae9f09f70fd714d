package dev.imagegate.review;

import dev.imagegate.policy.Policy;

import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ImageReview being answered: the request, the policy in force when it arrived (the only one it is judged
 * by), when it arrived, and, once the split has collected them, each distinct image's check by image.
 */
public record Review(ImageReview request, Policy policy, Instant received, Map<String, ImageCheck> checks)
        implements Iterable<ImageCheck> {

    public Review {
        checks = Map.copyOf(checks);
    }

    static Review of(ImageReview request, Policy policy, Instant received) {
        return new Review(request, policy, received, Map.of());
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
    Review withChecks(Collection<ImageCheck> collected) {
        Map<String, ImageCheck> byImage = new LinkedHashMap<>();
        collected.forEach(check -> byImage.put(check.image(), check));
        return new Review(request, policy, received, byImage);
    }
}
