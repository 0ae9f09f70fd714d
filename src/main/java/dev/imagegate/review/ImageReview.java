package dev.imagegate.review;

import java.util.List;
import java.util.Map;

/**
 * The part of an {@code imagepolicy.k8s.io/v1alpha1} ImageReview that ImageGate reads. {@code metadata} and
 * {@code status} carry nothing for a backend and are not kept.
 *
 * @param containers the images to review, regular then init containers (or only ephemeral ones)
 * @param annotations the pod's {@code *.image-policy.k8s.io/*} annotations, the only ones the API server forwards
 * @param namespace  the pod's namespace, empty when the API server left it out
 */
public record ImageReview(List<String> containers, Map<String, String> annotations, String namespace) {

    public static final String API_VERSION = "imagepolicy.k8s.io/v1alpha1";
    public static final String KIND = "ImageReview";

    public ImageReview {
        containers = List.copyOf(containers);
        annotations = Map.copyOf(annotations);
    }

    /** Each image once, in the order of first appearance: identical images are reviewed once. */
    public List<String> images() {
        return containers.stream().distinct().toList();
    }

    /** What this review asks: its images, unnamed (ImagePolicyWebhook sends no container names or object). */
    public ReviewRequest request() {
        return new ReviewRequest(containers.stream().map(image -> new ReviewRequest.Container("", image, null)).toList(),
                annotations, namespace, null);
    }
}
