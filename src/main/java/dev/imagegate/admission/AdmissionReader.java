package dev.imagegate.admission;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.imagegate.admission.AdmissionReview.Container;
import dev.imagegate.admission.AdmissionReview.KubeObject;
import dev.imagegate.admission.AdmissionReview.Request;
import dev.imagegate.review.InvalidReviewException;
import dev.imagegate.review.ReviewRequest;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads an {@code admission.k8s.io/v1} AdmissionReview as the API server sends it to a validating or mutating
 * webhook, and tells what there is to judge: the containers of a Pod (its own, init and ephemeral ones) or of
 * a workload's pod template, and on UPDATE only those whose image the old object did not have, so that a
 * label change, a finalizer removal or a scale of a workload whose image has since become vulnerable is never
 * refused. Any other kind, subresource or operation has nothing to judge.
 */
@Component
public class AdmissionReader {

    /** Where each kind keeps its pod spec, as a JSON pointer, and whether that is a pod template. */
    enum Kind {
        POD("", "Pod", "/spec"),
        REPLICATION_CONTROLLER("", "ReplicationController", "/spec/template/spec"),
        DEPLOYMENT("apps", "Deployment", "/spec/template/spec"),
        REPLICA_SET("apps", "ReplicaSet", "/spec/template/spec"),
        STATEFUL_SET("apps", "StatefulSet", "/spec/template/spec"),
        DAEMON_SET("apps", "DaemonSet", "/spec/template/spec"),
        JOB("batch", "Job", "/spec/template/spec"),
        CRON_JOB("batch", "CronJob", "/spec/jobTemplate/spec/template/spec");

        final String group;
        final String name;
        final String specPath;

        Kind(String group, String name, String specPath) {
            this.group = group;
            this.name = name;
            this.specPath = specPath;
        }

        static Kind of(AdmissionReview.GroupVersionKind kind) {
            if (kind == null) {
                return null;
            }
            String group = Objects.requireNonNullElse(kind.group(), "");
            return Stream.of(values()).filter(k -> k.group.equals(group) && k.name.equals(kind.kind())).findFirst().orElse(null);
        }

        /** The pod template (metadata and spec) of a workload, or the Pod itself. */
        KubeObject podOf(KubeObject object) {
            if (object == null || this == POD) {
                return object;
            }
            AdmissionReview.Spec spec = object.spec();
            KubeObject holder = this == CRON_JOB ? (spec == null || spec.jobTemplate() == null ? null : spec.jobTemplate())
                    : object;
            return holder == null || holder.spec() == null ? null : holder.spec().template();
        }
    }

    private static final Set<String> JUDGED_OPERATIONS = Set.of("CREATE", "UPDATE");
    private static final String EPHEMERAL_CONTAINERS = "ephemeralcontainers";

    private final ObjectReader reader;

    public AdmissionReader(ObjectMapper mapper) {
        ObjectMapper strict = mapper.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        // Jackson would read "image": 42 as "42"; the API server never sends that, so whoever did gets a 400.
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        this.reader = strict.readerFor(AdmissionReview.class);
    }

    /** The request in this body, with what it asks to judge; 400 naming the problem for anything else. */
    public ReviewRequest read(byte[] body) {
        return requestOf(parse(body).request());
    }

    /**
     * A manifest's object as admission would judge its creation ({@code kubectl apply -f}), or empty for a kind
     * that has no pod spec.
     *
     * @param namespace the namespace it would be created in when its metadata names none
     */
    public Optional<ReviewRequest> created(JsonNode object, String namespace) throws IOException {
        String apiVersion = object.path("apiVersion").asText();
        AdmissionReview.GroupVersionKind kind = new AdmissionReview.GroupVersionKind(
                apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "",
                apiVersion.substring(apiVersion.indexOf('/') + 1), object.path("kind").asText());
        if (Kind.of(kind) == null) {
            return Optional.empty();
        }
        KubeObject read = reader.forType(KubeObject.class).readValue(object);
        String in = object.at("/metadata/namespace").asText(namespace);
        return Optional.of(requestOf(new Request("", kind, null, null, in.isEmpty() ? namespace : in, "CREATE",
                null, read, null, false)));
    }

    private ReviewRequest requestOf(Request request) {
        Kind kind = Kind.of(request.kind());
        String namespace = Objects.requireNonNullElse(request.namespace(), "");
        KubeObject pod = kind == null ? null : kind.podOf(request.object());
        Map<String, String> annotations = pod == null || pod.metadata() == null || pod.metadata().annotations() == null
                ? Map.of() : pod.metadata().annotations();
        List<ReviewRequest.Container> judged = judges(kind, request) ? newContainers(kind, pod, kind.podOf(request.oldObject()))
                : List.of();
        return new ReviewRequest(judged, annotations, namespace, new ReviewRequest.Subject(request.uid(),
                request.kind() == null ? "" : Objects.requireNonNullElse(request.kind().kind(), ""), name(request),
                kind != null && kind != Kind.POD, request.operation(),
                request.userInfo() == null ? "" : Objects.requireNonNullElse(request.userInfo().username(), ""),
                Boolean.TRUE.equals(request.dryRun())));
    }

    private AdmissionReview parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidReviewException("request body is empty; expected an AdmissionReview");
        }
        AdmissionReview review;
        try {
            review = reader.readValue(body);
        } catch (JsonMappingException e) {
            throw new InvalidReviewException(path(e) + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (JacksonException e) {
            throw new InvalidReviewException("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidReviewException("request body could not be read");
        }
        if (review == null) {
            throw new InvalidReviewException("request body must be a JSON object (an AdmissionReview)");
        }
        expect("apiVersion", review.apiVersion(), AdmissionReview.API_VERSION);
        expect("kind", review.kind(), AdmissionReview.KIND);
        if (review.request() == null) {
            throw new InvalidReviewException("request must be an object");
        }
        if (review.request().uid() == null || review.request().uid().isEmpty()) {
            throw new InvalidReviewException("request.uid must be a non-empty string");
        }
        return review;
    }

    private static boolean judges(Kind kind, Request request) {
        String subResource = Objects.requireNonNullElse(request.subResource(), "");
        return kind != null && JUDGED_OPERATIONS.contains(request.operation())
                && (subResource.isEmpty() || (kind == Kind.POD && subResource.equals(EPHEMERAL_CONTAINERS)));
    }

    /** The containers of the new pod (spec) whose image the old one did not have: every one on CREATE. */
    private static List<ReviewRequest.Container> newContainers(Kind kind, KubeObject pod, KubeObject oldPod) {
        if (pod == null || pod.spec() == null) {
            return List.of();
        }
        Set<String> before = oldPod == null || oldPod.spec() == null ? Set.of()
                : containers(kind, oldPod.spec()).stream().map(ReviewRequest.Container::image).collect(Collectors.toSet());
        return containers(kind, pod.spec()).stream().filter(container -> !before.contains(container.image())).toList();
    }

    private static List<ReviewRequest.Container> containers(Kind kind, AdmissionReview.Spec spec) {
        List<ReviewRequest.Container> all = new ArrayList<>();
        add(all, spec.containers(), kind.specPath + "/containers/");
        add(all, spec.initContainers(), kind.specPath + "/initContainers/");
        add(all, spec.ephemeralContainers(), kind.specPath + "/ephemeralContainers/");
        return all;
    }

    private static void add(List<ReviewRequest.Container> all, List<Container> containers, String path) {
        if (containers == null) {
            return;
        }
        for (int i = 0; i < containers.size(); i++) {
            Container container = containers.get(i);
            if (container != null) {
                // The API server's validation refuses a container without an image; "" is then denied as invalid.
                all.add(new ReviewRequest.Container(Objects.requireNonNullElse(container.name(), ""),
                        Objects.requireNonNullElse(container.image(), ""), path + i + "/image"));
            }
        }
    }

    /** The object's name; a pod a controller makes has only its generateName at admission ("web-7d9f-*"). */
    private static String name(Request request) {
        AdmissionReview.Metadata metadata = request.object() == null ? null : request.object().metadata();
        if (request.name() != null && !request.name().isEmpty()) {
            return request.name();
        }
        if (metadata != null && metadata.name() != null && !metadata.name().isEmpty()) {
            return metadata.name();
        }
        return metadata != null && metadata.generateName() != null ? metadata.generateName() + "*" : "";
    }

    private static void expect(String field, String value, String expected) {
        if (!expected.equals(value)) {
            throw new InvalidReviewException(field + " must be \"" + expected + "\"");
        }
    }

    /** "request.object.spec.containers[0].image: " for the field Jackson could not read. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "" : path + ": ";
    }
}
