package dev.imagegate.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.review.InvalidReviewException;
import dev.imagegate.review.ReviewRequest;
import dev.imagegate.support.AdmissionRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static dev.imagegate.support.AdmissionRequests.pod;
import static dev.imagegate.support.AdmissionRequests.workload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an AdmissionReview asks to judge, request by request, as the webhook documentation describes them. */
class AdmissionReaderTest {

    final AdmissionReader reader = new AdmissionReader(new ObjectMapper());

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("a Pod CREATE: every container", pod("ns", "p", "a:1", "b:1"),
                        List.of("c0=a:1@/spec/containers/0/image", "c1=b:1@/spec/containers/1/image")),
                Arguments.of("a Deployment CREATE: its pod template", workload("apps", "Deployment", "ns", "d", "a:1"),
                        List.of("c0=a:1@/spec/template/spec/containers/0/image")),
                Arguments.of("a CronJob CREATE: its job template's pod template", workload("batch", "CronJob", "ns", "c", "a:1"),
                        List.of("c0=a:1@/spec/jobTemplate/spec/template/spec/containers/0/image")),
                Arguments.of("a ReplicationController (core group)", workload("", "ReplicationController", "ns", "r", "a:1"),
                        List.of("c0=a:1@/spec/template/spec/containers/0/image")),
                Arguments.of("a Pod UPDATE with the same images: nothing", pod("ns", "p", "a:1").updateOf("a:1"), List.of()),
                Arguments.of("a Pod UPDATE with a new image: that one", pod("ns", "p", "a:1", "b:2").updateOf("a:1", "b:1"),
                        List.of("c1=b:2@/spec/containers/1/image")),
                Arguments.of("a Deployment scale or label change: nothing",
                        workload("apps", "Deployment", "ns", "d", "a:1").updateOf("a:1"), List.of()),
                Arguments.of("kubectl debug: the new ephemeral container",
                        pod("ns", "p", "a:1").addingEphemeralContainer("debug:1"),
                        List.of("debugger=debug:1@/spec/ephemeralContainers/0/image")),
                Arguments.of("a DELETE: nothing", pod("ns", "p", "a:1").operation("DELETE"), List.of()),
                Arguments.of("a CONNECT: nothing", pod("ns", "p", "a:1").operation("CONNECT"), List.of()),
                Arguments.of("another kind: nothing", workload("", "Service", "ns", "s", "a:1"), List.of()),
                Arguments.of("a Deployment in the wrong group: nothing", workload("extensions", "Deployment", "ns", "d", "a:1"),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void judgesTheContainersTheRequestAddsOrChanges(String name, AdmissionRequests request, List<String> judged) {
        ReviewRequest read = reader.read(bytes(request.toString()));

        assertThat(read.containers().stream().map(c -> c.name() + "=" + c.image() + "@" + c.path()).toList()).isEqualTo(judged);
        assertThat(read.subject().uid()).isEqualTo(request.uid());
        assertThat(read.namespace()).isEqualTo("ns");
    }

    @Test
    void theSubjectNamesTheObjectTheUserAndADryRun() {
        ReviewRequest read = reader.read(bytes(workload("apps", "Deployment", "team-a", "web", "a:1").dryRun().toString()));

        assertThat(read.subject()).isEqualTo(new ReviewRequest.Subject(read.subject().uid(), "Deployment", "web", true,
                "CREATE", "kubernetes-admin", true));
        assertThat(read.subject().describe(read.namespace())).isEqualTo("Deployment team-a/web");
    }

    @Test
    void aPodAControllerMakesIsNamedByItsGenerateName() {
        String body = pod("ns", "", "a:1").toString()
                .replace("\"metadata\":{\"name\":\"\"", "\"metadata\":{\"generateName\":\"web-7d9f-\"")
                .replace("\"name\":\"\",", "");

        assertThat(reader.read(bytes(body)).subject().name()).isEqualTo("web-7d9f-*");
    }

    @Test
    void theBreakGlassAnnotationsAreThePodsOrThePodTemplates() {
        ReviewRequest read = reader.read(bytes(pod("ns", "p", "a:1")
                .annotation("alpha.image-policy.k8s.io/break-glass", "INC-1").toString()));

        assertThat(read.annotations()).containsEntry("alpha.image-policy.k8s.io/break-glass", "INC-1");
    }

    static Stream<Arguments> badRequests() {
        String pod = pod("ns", "p", "a:1").toString();
        return Stream.of(
                Arguments.of("", "request body is empty; expected an AdmissionReview"),
                Arguments.of("null", "request body must be a JSON object (an AdmissionReview)"),
                Arguments.of("[1]", "Cannot deserialize"),
                Arguments.of("{\"kind\":", "request body is not valid JSON"),
                Arguments.of(pod.replace("\"AdmissionReview\"", "\"ImageReview\""), "kind must be \"AdmissionReview\""),
                Arguments.of("{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\"}", "request must be an object"),
                Arguments.of(pod.replace("\"image\":\"a:1\"", "\"image\":42"), "request.object.spec.containers[0].image: "),
                Arguments.of(pod.replace("\"containers\":[", "\"containers\":\"x\",\"was\":["), "request.object.spec.containers: "),
                Arguments.of(pod.replace("\"dryRun\":false", "\"dryRun\":\"yes\""), "request.dryRun: "));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badRequests")
    void anythingElseIsRefusedNamingTheProblem(String body, String message) {
        assertThatThrownBy(() -> reader.read(bytes(body))).isInstanceOf(InvalidReviewException.class).hasMessageStartingWith(message);
    }

    private static byte[] bytes(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }
}
