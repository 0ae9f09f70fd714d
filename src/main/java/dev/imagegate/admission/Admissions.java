package dev.imagegate.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.review.Decision;
import dev.imagegate.review.Review;
import dev.imagegate.review.Reviews;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The admission webhooks' steps in {@code routes/review.yaml} around the shared judging route: read the
 * AdmissionReview into a review, and answer the decision as a validating webhook (allow or deny, with
 * warnings) or as a mutating one (never deny; pin what was judged).
 */
@Component("admissions")
public class Admissions {

    private static final int FORBIDDEN = 403;

    private final AdmissionReader reader;
    private final Reviews reviews;
    private final AdmissionProperties properties;
    private final ObjectMapper json;

    public Admissions(AdmissionReader reader, Reviews reviews, AdmissionProperties properties, ObjectMapper json) {
        this.reader = reader;
        this.reviews = reviews;
        this.properties = properties;
        this.json = json;
    }

    /**
     * The review of the AdmissionReview in this body (400 for anything else), under the policy in force now.
     *
     * @param timeout the API server's {@code ?timeout=}: the webhook's {@code timeoutSeconds}
     */
    public Review start(@Body byte[] body, @Header("timeout") String timeout) {
        return reviews.review(reader.read(body), timeout);
    }

    /** The validating webhook's answer: the decision, with warnings for what was admitted but deserves a look. */
    public ByteBuffer validation(Decision decision) throws JsonProcessingException {
        AdmissionAnswer.Status status = decision.allowed() ? null
                : new AdmissionAnswer.Status(FORBIDDEN, "Forbidden", decision.reason());
        return write(new AdmissionAnswer.Response(decision.subject().uid(), decision.allowed(), status,
                Warnings.of(decision), decision.auditAnnotations(), null, null));
    }

    /**
     * The mutating webhook's answer: always allowed (the validating webhook denies), with a JSONPatch that pins
     * each judged tag to its digest when the object is admitted.
     */
    public ByteBuffer pinning(Decision decision) throws JsonProcessingException {
        List<Pins.Operation> pins = Pins.of(decision, properties.pin());
        if (pins.isEmpty()) {
            return write(new AdmissionAnswer.Response(decision.subject().uid(), true, null, null, null, null, null));
        }
        String patch = Base64.getEncoder().encodeToString(json.writeValueAsBytes(pins));
        Map<String, String> annotations = Map.of("pinned-images",
                pins.stream().map(Pins.Operation::value).distinct().collect(Collectors.joining(",")));
        return write(new AdmissionAnswer.Response(decision.subject().uid(), true, null, null, annotations, "JSONPatch", patch));
    }

    /** As JSON in a ByteBuffer: Vert.x writes that at once with its Content-Length. */
    private ByteBuffer write(AdmissionAnswer.Response response) throws JsonProcessingException {
        return ByteBuffer.wrap(json.writeValueAsBytes(AdmissionAnswer.of(response)));
    }
}
