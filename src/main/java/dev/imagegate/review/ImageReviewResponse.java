package dev.imagegate.review;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegate.policy.Remedy;
import dev.imagegate.policy.Verdict;

import java.util.List;
import java.util.Map;

/**
 * The ImageReview ImageGate answers with. The API server reads {@code allowed}, {@code reason} and
 * {@code auditAnnotations}; {@code images} is extra per-image detail for people and tools reading the
 * response, and is ignored by the API server.
 */
public record ImageReviewResponse(String apiVersion, String kind, Status status) {

    public record Status(boolean allowed, String reason, Map<String, String> auditAnnotations, List<ImageStatus> images) {
    }

    /**
     * @param fixes          the packages to upgrade, each with the version that fixes it and what it fixes
     * @param unfixed        the packages with vulnerabilities no version fixes yet
     * @param osEndOfSupport the OS release, when it is past its end of support
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageStatus(String image, String digest, boolean allowed, String verdict, String reason,
                              String highestSeverity, List<String> vulnerabilities, List<Remedy.Fix> fixes,
                              List<Remedy.Unfixed> unfixed, String osEndOfSupport) {
    }

    static final int VULNERABILITIES_LISTED = 10;

    public static ImageReviewResponse of(Decision decision) {
        List<ImageStatus> images = decision.verdicts().stream().map(ImageReviewResponse::imageStatus).toList();
        return new ImageReviewResponse(ImageReview.API_VERSION, ImageReview.KIND,
                new Status(decision.allowed(), decision.reason(), decision.auditAnnotations(), images));
    }

    private static ImageStatus imageStatus(Verdict verdict) {
        List<String> ids = verdict.findings().isEmpty() ? null : verdict.findings().stream().map(f -> f.vulnerabilityId())
                .distinct().limit(VULNERABILITIES_LISTED).toList();
        Remedy remedy = verdict.remedy();
        return new ImageStatus(Decision.shown(verdict.image()), verdict.digest(), verdict.allowed(), verdict.status().name(),
                verdict.reason(), verdict.highest() == null ? null : verdict.highest().name(), ids,
                remedy == null || remedy.fixes().isEmpty() ? null : remedy.fixes(),
                remedy == null || remedy.unfixed().isEmpty() ? null : remedy.unfixed(),
                remedy == null ? null : remedy.osEndOfSupport());
    }
}
