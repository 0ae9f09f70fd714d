package dev.imagegate.admission;

import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import dev.imagegate.review.ReviewRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the admission webhooks add to a decision: warnings a person at kubectl reads, and the pins. */
class AnswersTest {

    static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    static final String DIGEST = "sha256:" + "a".repeat(64);

    static final Verdict VULNERABLE = new Verdict("registry.test/app:1", Verdict.Status.VULNERABLE, false,
            "denied: 1 CRITICAL (CVE-2026-10001) at or above HIGH", List.of(), null, List.of(), DIGEST);
    static final Verdict PASSED = new Verdict("registry.test/app:1", Verdict.Status.PASSED, true, "allowed", List.of(), null,
            List.of(), DIGEST);

    @Test
    void anAuditedNamespaceWarnsOfWhatWouldBeDenied() {
        Decision decision = Decision.of(pod("registry.test/app:1"), List.of(VULNERABLE), Enforcement.AUDIT, NOW);

        assertThat(Warnings.of(decision)).containsExactly(
                "audit: would deny registry.test/app:1: denied: 1 CRITICAL (CVE-2026-10001) at or above HIGH");
    }

    @Test
    void breakGlassWarnsThatEnforcementWasSkipped() {
        Decision decision = Decision.of(pod("registry.test/app:1"), List.of(VULNERABLE), Enforcement.breakGlass("INC-42"), NOW);

        assertThat(Warnings.of(decision)).containsExactly("break-glass: admitted without enforcement (INC-42)",
                "break-glass: would deny registry.test/app:1: denied: 1 CRITICAL (CVE-2026-10001) at or above HIGH");
    }

    @Test
    void aPendingScanAdmittedByOnPendingAllowWarns() {
        Verdict pending = Verdict.of("registry.test/slow:1", Verdict.Status.PENDING, true, "scan in progress, retry shortly");

        assertThat(Warnings.of(Decision.of(pod("registry.test/slow:1"), List.of(pending), Enforcement.ENFORCE, NOW)))
                .containsExactly("registry.test/slow:1: admitted unscanned (on-pending: allow); scan in progress, retry shortly");
    }

    @Test
    void anExceptionEndingWithinTwoWeeksWarnsAndALaterOneDoesNot() {
        Verdict excused = new Verdict("registry.test/app:1", Verdict.Status.PASSED, true, "allowed", List.of(), null,
                List.of("CVE-2026-1 excepted until 2026-12-17 (JIRA-1)", "CVE-2026-2 excepted until 2026-12-18 (JIRA-2)"), DIGEST);

        assertThat(Warnings.of(Decision.of(pod("registry.test/app:1"), List.of(excused), Enforcement.ENFORCE, NOW)))
                .containsExactly("registry.test/app:1: CVE-2026-1 excepted until 2026-12-17 (JIRA-1) ends soon: fix or renew it");
    }

    @Test
    void anEnforcedDenialOrACleanAdmissionHasNoWarnings() {
        assertThat(Warnings.of(Decision.of(pod("registry.test/app:1"), List.of(VULNERABLE), Enforcement.ENFORCE, NOW))).isEmpty();
        assertThat(Warnings.of(Decision.of(pod("registry.test/app:1"), List.of(PASSED), Enforcement.ENFORCE, NOW))).isEmpty();
    }

    @Test
    void aPinnedReferenceKeepsRoomForTheReason() {
        Verdict pinned = new Verdict("registry.test/team/app:1@" + DIGEST, Verdict.Status.VULNERABLE, false,
                "denied: 1 CRITICAL (CVE-2026-10001) at or above HIGH", List.of(), null, List.of(), DIGEST);

        assertThat(Warnings.of(Decision.of(pod(pinned.image()), List.of(pinned), Enforcement.AUDIT, NOW))).containsExactly(
                "audit: would deny registry.test/team/app:1@sha256:aaaaaaaaaaaa: denied: 1 CRITICAL (CVE-2026-10001) at or above HIGH");
    }

    @Test
    void everyWarningIsOneLineOfAtMost120Characters() {
        String hostile = "registry.test/" + "x".repeat(300) + ":1\n\u001b[31m";

        assertThat(Warnings.fit(hostile)).hasSize(Warnings.LIMIT).endsWith("...").doesNotContain("\n", "\u001b");
    }

    @Test
    void pinsEachContainerWithATagToTheDigestJudged() {
        ReviewRequest request = pod("registry.test/app:1", "registry.test/app:1", "registry.test/pinned@" + DIGEST);
        Verdict pinnedAlready = new Verdict("registry.test/pinned@" + DIGEST, Verdict.Status.PASSED, true, "allowed", List.of(),
                null, List.of(), DIGEST);
        Decision decision = Decision.of(request, List.of(PASSED, pinnedAlready), Enforcement.ENFORCE, NOW);

        assertThat(Pins.of(decision, AdmissionProperties.Pin.PODS)).containsExactly(
                new Pins.Operation("replace", "/spec/containers/0/image", "registry.test/app:1@" + DIGEST),
                new Pins.Operation("replace", "/spec/containers/1/image", "registry.test/app:1@" + DIGEST));
        assertThat(Pins.of(decision, AdmissionProperties.Pin.NONE)).isEmpty();
    }

    @Test
    void templatesArePinnedOnlyWhenAskedAndDeniedObjectsNever() {
        ReviewRequest deployment = new ReviewRequest(List.of(new ReviewRequest.Container("app", "registry.test/app:1",
                "/spec/template/spec/containers/0/image")), Map.of(), "ns",
                new ReviewRequest.Subject("uid", "Deployment", "web", true, "CREATE", "me", false));
        Decision allowed = Decision.of(deployment, List.of(PASSED), Enforcement.ENFORCE, NOW);

        assertThat(Pins.of(allowed, AdmissionProperties.Pin.PODS)).isEmpty();
        assertThat(Pins.of(allowed, AdmissionProperties.Pin.PODS_AND_TEMPLATES)).extracting(Pins.Operation::path)
                .containsExactly("/spec/template/spec/containers/0/image");
        assertThat(Pins.of(Decision.of(pod("registry.test/app:1"), List.of(VULNERABLE), Enforcement.ENFORCE, NOW),
                AdmissionProperties.Pin.PODS)).isEmpty();
    }

    private static ReviewRequest pod(String... images) {
        List<ReviewRequest.Container> containers = new ArrayList<>();
        for (int i = 0; i < images.length; i++) {
            containers.add(new ReviewRequest.Container("c" + i, images[i], "/spec/containers/" + i + "/image"));
        }
        return new ReviewRequest(containers, Map.of(), "ns", new ReviewRequest.Subject("uid", "Pod", "p", false, "CREATE", "me", false));
    }
}
