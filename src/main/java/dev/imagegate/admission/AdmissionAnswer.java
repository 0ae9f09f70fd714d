package dev.imagegate.admission;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * The AdmissionReview ImageGate answers a validating or mutating webhook call with. The API server reads
 * {@code response.uid} (which must echo the request's), {@code allowed}, {@code status} on a denial,
 * {@code warnings} (shown by kubectl as {@code Warning:} lines), {@code auditAnnotations} (recorded as
 * {@code <webhook name>/<key>}), and from a mutating webhook the base64 JSONPatch.
 */
record AdmissionAnswer(String apiVersion, String kind, Response response) {

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Response(String uid, boolean allowed, Status status, List<String> warnings,
                    Map<String, String> auditAnnotations, String patchType, String patch) {
    }

    /** The part of a metav1.Status a denial carries: kubectl prints the message after the webhook's name. */
    record Status(int code, String reason, String message) {
    }

    static AdmissionAnswer of(Response response) {
        return new AdmissionAnswer(AdmissionReview.API_VERSION, AdmissionReview.KIND, response);
    }
}
