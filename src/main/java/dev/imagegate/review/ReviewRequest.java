package dev.imagegate.review;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What one review asks, whichever door it came in by: the containers whose images are to be judged, the
 * annotations that may break the glass, the namespace, and, for the admission webhooks, the object and the
 * user behind the request.
 *
 * @param containers  the containers to judge, in the order they were written (an image may appear in several)
 * @param annotations the pod's (or pod template's) annotations; ImagePolicyWebhook forwards only
 *                    {@code *.image-policy.k8s.io/*} ones
 * @param namespace   the object's namespace, empty when the caller left it out
 * @param subject     the object reviewed and who asked, or null (ImagePolicyWebhook names neither)
 */
public record ReviewRequest(List<Container> containers, Map<String, String> annotations, String namespace,
                            Subject subject) {

    public ReviewRequest {
        containers = List.copyOf(containers);
        annotations = Map.copyOf(annotations);
    }

    /**
     * One container of the reviewed object.
     *
     * @param name  the container's name, empty when the caller does not send it (ImagePolicyWebhook)
     * @param image the image as written
     * @param path  the JSON pointer of its {@code image} field in the reviewed object, for a patch that pins it
     */
    public record Container(String name, String image, String path) {
    }

    /**
     * The object an admission webhook was asked about, and by whom.
     *
     * @param uid       the AdmissionRequest's uid, echoed in the answer and kept in the audit line
     * @param kind      {@code Pod}, {@code Deployment}, ...
     * @param name      the object's name, or its {@code generateName} followed by {@code *} for a pod a controller makes
     * @param template  true when the containers are a workload's pod template, false for a Pod's own
     * @param operation {@code CREATE} or {@code UPDATE}
     * @param user      {@code request.userInfo.username}
     * @param dryRun    {@code kubectl --dry-run=server}: judged as usual, but no alert is sent
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Subject(String uid, String kind, String name, boolean template, String operation, String user,
                          boolean dryRun) {

        /** "Deployment team-a/web", as a reason begins. */
        public String describe(String namespace) {
            return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
        }
    }

    /** Each image once, in the order of first appearance: identical images are judged once. */
    public List<String> images() {
        return containers.stream().map(Container::image).distinct().toList();
    }
}
