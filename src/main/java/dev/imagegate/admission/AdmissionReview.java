package dev.imagegate.admission;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * The part of an {@code admission.k8s.io/v1} AdmissionReview that ImageGate reads, as small records: Jackson
 * binds these fields and skips the rest of the object unread (managedFields, status, volumes...), which is
 * most of what the API server sends. fabric8's kept model binds whole objects: see BENCHMARKS.md for what
 * that costs on the hot path.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record AdmissionReview(String apiVersion, String kind, Request request) {

    static final String API_VERSION = "admission.k8s.io/v1";
    static final String KIND = "AdmissionReview";

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Request(String uid, GroupVersionKind kind, String subResource, String name, String namespace,
                   String operation, UserInfo userInfo, KubeObject object, KubeObject oldObject, Boolean dryRun) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record GroupVersionKind(String group, String version, String kind) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record UserInfo(String username) {
    }

    /** A Pod, a workload, or a pod template: each has metadata and a spec; only the containers are read. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record KubeObject(Metadata metadata, Spec spec) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Metadata(String name, String generateName, Map<String, String> annotations) {
    }

    /**
     * A pod spec's containers, or a workload spec's pod template ({@code template}: Deployment, ReplicaSet,
     * StatefulSet, DaemonSet, Job, ReplicationController; {@code jobTemplate}: CronJob).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Spec(List<Container> containers, List<Container> initContainers, List<Container> ephemeralContainers,
                KubeObject template, KubeObject jobTemplate) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Container(String name, String image) {
    }
}
