package dev.imagegate.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/**
 * AdmissionReview bodies shaped as kube-apiserver sends them to a webhook: the object with metadata (including
 * managedFields, which nobody reads), the pod spec or pod template, and the request's envelope.
 */
public final class AdmissionRequests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode review = JSON.createObjectNode();
    private final ObjectNode request;

    private AdmissionRequests(String group, String kind, String resource, String namespace, String operation) {
        review.put("kind", "AdmissionReview").put("apiVersion", "admission.k8s.io/v1");
        request = review.putObject("request");
        request.put("uid", UUID.randomUUID().toString());
        request.putObject("kind").put("group", group).put("version", "v1").put("kind", kind);
        request.putObject("resource").put("group", group).put("version", "v1").put("resource", resource);
        request.put("namespace", namespace).put("operation", operation);
        request.putObject("userInfo").put("username", "kubernetes-admin").putArray("groups").add("system:masters");
        request.put("dryRun", false);
    }

    /** A Pod CREATE with these images, one container each ({@code c0}, {@code c1}, ...). */
    public static AdmissionRequests pod(String namespace, String name, String... images) {
        AdmissionRequests pod = new AdmissionRequests("", "Pod", "pods", namespace, "CREATE");
        pod.request.put("name", name);
        pod.request.set("object", object("Pod", "v1", name, namespace, podSpec(images)));
        return pod;
    }

    /** A workload CREATE ({@code apps/v1} Deployment, ReplicaSet...) whose pod template has these images. */
    public static AdmissionRequests workload(String group, String kind, String namespace, String name, String... images) {
        AdmissionRequests workload = new AdmissionRequests(group, kind, kind.toLowerCase() + "s", namespace, "CREATE");
        workload.request.put("name", name);
        ObjectNode spec = JSON.createObjectNode();
        ObjectNode template = kind.equals("CronJob")
                ? spec.put("schedule", "* * * * *").putObject("jobTemplate").putObject("spec").putObject("template")
                : spec.put("replicas", 2).putObject("template");
        template.putObject("metadata").putObject("labels").put("app", name);
        template.set("spec", podSpec(images));
        workload.request.set("object", object(kind, group.isEmpty() ? "v1" : group + "/v1", name, namespace, spec));
        return workload;
    }

    /** This request as an UPDATE of an object that had these images. */
    public AdmissionRequests updateOf(String... oldImages) {
        request.put("operation", "UPDATE");
        ObjectNode old = request.get("object").deepCopy();
        ObjectNode podSpec = (ObjectNode) (old.at("/spec/containers").isArray() ? old.get("spec")
                : old.at("/spec/jobTemplate").isObject() ? old.at("/spec/jobTemplate/spec/template/spec") : old.at("/spec/template/spec"));
        podSpec.setAll(podSpec(oldImages));
        request.set("oldObject", old);
        return this;
    }

    /** {@code kubectl debug}: the Pod's ephemeralcontainers subresource, with one more ephemeral container. */
    public AdmissionRequests addingEphemeralContainer(String image) {
        updateOf(images(request.at("/object/spec/containers")));
        request.put("subResource", "ephemeralcontainers");
        ((ObjectNode) request.get("object").get("spec")).putArray("ephemeralContainers").addObject()
                .put("name", "debugger").put("image", image).put("terminationMessagePolicy", "File");
        return this;
    }

    public AdmissionRequests operation(String operation) {
        request.put("operation", operation);
        return this;
    }

    public AdmissionRequests dryRun() {
        request.put("dryRun", true);
        return this;
    }

    public AdmissionRequests annotation(String key, String value) {
        ObjectNode metadata = (ObjectNode) request.at("/object/metadata");
        (metadata.has("annotations") ? (ObjectNode) metadata.get("annotations") : metadata.putObject("annotations")).put(key, value);
        return this;
    }

    public String uid() {
        return request.get("uid").asText();
    }

    public ObjectNode json() {
        return review;
    }

    @Override
    public String toString() {
        return review.toString();
    }

    private static ObjectNode object(String kind, String apiVersion, String name, String namespace, ObjectNode spec) {
        ObjectNode object = JSON.createObjectNode().put("kind", kind).put("apiVersion", apiVersion);
        ObjectNode metadata = object.putObject("metadata").put("name", name).put("namespace", namespace)
                .put("uid", UUID.randomUUID().toString()).put("creationTimestamp", "2026-12-03T10:00:00Z");
        metadata.putObject("labels").put("app", name);
        ObjectNode managed = metadata.putArray("managedFields").addObject();
        managed.put("manager", "kubectl-client-side-apply").put("operation", "Update").put("apiVersion", apiVersion)
                .put("time", "2026-12-03T10:00:00Z").put("fieldsType", "FieldsV1");
        managed.putObject("fieldsV1").putObject("f:spec").putObject("f:containers").putObject("k:{\"name\":\"c0\"}")
                .putObject("f:image").putObject(".");
        object.set("spec", spec);
        object.putObject("status");
        return object;
    }

    private static ObjectNode podSpec(String... images) {
        ObjectNode spec = JSON.createObjectNode();
        ArrayNode containers = spec.putArray("containers");
        for (int i = 0; i < images.length; i++) {
            ObjectNode container = containers.addObject().put("name", "c" + i).put("image", images[i]);
            container.putObject("resources").putObject("limits").put("memory", "128Mi");
            container.put("imagePullPolicy", "IfNotPresent").put("terminationMessagePath", "/dev/termination-log");
        }
        spec.put("restartPolicy", "Always").put("dnsPolicy", "ClusterFirst").put("serviceAccountName", "default");
        return spec;
    }

    private static String[] images(com.fasterxml.jackson.databind.JsonNode containers) {
        String[] images = new String[containers.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = containers.get(i).get("image").asText();
        }
        return images;
    }
}
