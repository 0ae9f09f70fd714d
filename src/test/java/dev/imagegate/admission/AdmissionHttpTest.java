package dev.imagegate.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.server.ReviewServer;
import dev.imagegate.support.AdmissionRequests;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static dev.imagegate.support.AdmissionRequests.pod;
import static dev.imagegate.support.AdmissionRequests.workload;
import static dev.imagegate.support.ReviewClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validating and mutating admission webhooks over real HTTP, answered by the same routes as {@code /scan}
 * (the test-double trivy and crane behind them), with bodies shaped as kube-apiserver sends them.
 */
@ImageGateHttpTest
class AdmissionHttpTest {

    static final TrivyDouble trivy = TestEnvironment.trivy();

    @Autowired
    ReviewClient client;

    @Autowired
    ReviewServer server;

    @Test
    void deniesAPodWithAVulnerableImageNamingTheObjectContainerAndCves() {
        AdmissionRequests request = pod("team-a", "web", "registry.test/adm-deny/clean:1", "registry.test/adm-deny/vulnerable:1");

        JsonNode response = validate(request);

        assertThat(response.get("uid").asText()).isEqualTo(request.uid());
        assertThat(response.get("allowed").asBoolean()).isFalse();
        assertThat(response.at("/status/code").asInt()).isEqualTo(403);
        assertThat(response.at("/status/message").asText()).isEqualTo("Pod team-a/web: registry.test/adm-deny/vulnerable:1 "
                + "(container c1): denied: 2 CRITICAL, 3 HIGH at or above HIGH; upgrade libcrypto3 3.1.4-r5 -> 3.1.7-r1 "
                + "(CVE-2026-10001), org.springframework:spring-beans 5.3.15 -> 5.3.18 (CVE-2022-22965), musl "
                + "1.2.4_git20230717-r4 -> 1.2.4_git20230717-r5 (CVE-2026-10002), zlib 1.3.1-r0 -> 1.3.1-r1 (CVE-2026-10004); "
                + "no fix yet: busybox (CVE-2026-10003)");
        assertThat(response.at("/auditAnnotations/decision").asText()).isEqualTo("denied");
        assertThat(response.at("/auditAnnotations/denied-images").asText()).isEqualTo("registry.test/adm-deny/vulnerable:1");
    }

    @Test
    void allowsACleanPodWithNoStatusAndNoWarnings() {
        JsonNode response = validate(pod("default", "ok", "registry.test/adm-allow/clean:1"));

        assertThat(response.get("allowed").asBoolean()).isTrue();
        assertThat(response.has("status")).isFalse();
        assertThat(response.has("warnings")).isFalse();
        assertThat(response.at("/auditAnnotations/images-reviewed").asText()).isEqualTo("1");
    }

    @Test
    void judgesThePodTemplateOfEveryWorkloadKind() {
        String[][] kinds = {{"apps", "Deployment"}, {"apps", "ReplicaSet"}, {"apps", "StatefulSet"}, {"apps", "DaemonSet"},
                {"batch", "Job"}, {"batch", "CronJob"}, {"", "ReplicationController"}};
        for (String[] kind : kinds) {
            JsonNode response = validate(workload(kind[0], kind[1], "team-a", "web", "registry.test/adm-kinds/vulnerable:1"));

            assertThat(response.get("allowed").asBoolean()).as(kind[1]).isFalse();
            assertThat(response.at("/status/message").asText()).as(kind[1])
                    .startsWith(kind[1] + " team-a/web: registry.test/adm-kinds/vulnerable:1 (container c0): denied: 2 CRITICAL");
        }
    }

    @Test
    void anUpdateJudgesOnlyImagesTheOldObjectDidNotHave() {
        // A label change, a finalizer removal or a scale: the images are the old ones, even if vulnerable by now.
        JsonNode unchanged = validate(pod("default", "p", "registry.test/adm-update/vulnerable:1")
                .updateOf("registry.test/adm-update/vulnerable:1"));
        JsonNode changed = validate(workload("apps", "Deployment", "default", "web", "registry.test/adm-update/vulnerable:2")
                .updateOf("registry.test/adm-update/clean:1"));

        assertThat(unchanged.get("allowed").asBoolean()).isTrue();
        assertThat(unchanged.at("/auditAnnotations/images-reviewed").asText()).isEqualTo("0");
        assertThat(changed.get("allowed").asBoolean()).isFalse();
        assertThat(changed.at("/auditAnnotations/denied-images").asText()).isEqualTo("registry.test/adm-update/vulnerable:2");
    }

    @Test
    void anEphemeralContainerIsJudgedWhenItIsAdded() {
        JsonNode response = validate(pod("default", "p", "registry.test/adm-debug/clean:1")
                .addingEphemeralContainer("registry.test/adm-debug/vulnerable:1"));

        assertThat(response.get("allowed").asBoolean()).isFalse();
        assertThat(response.at("/status/message").asText())
                .startsWith("Pod default/p: registry.test/adm-debug/vulnerable:1 (container debugger): denied:");
        assertThat(response.at("/auditAnnotations/images-reviewed").asText()).isEqualTo("1");
    }

    @Test
    void otherOperationsAndKindsAreAllowedWithNothingJudged() {
        JsonNode delete = validate(pod("default", "p", "registry.test/adm-other/vulnerable:1").operation("DELETE"));
        JsonNode connect = validate(pod("default", "p", "registry.test/adm-other/vulnerable:1").operation("CONNECT"));
        JsonNode service = validate(workload("", "Service", "default", "svc", "registry.test/adm-other/vulnerable:1"));

        for (JsonNode response : new JsonNode[] {delete, connect, service}) {
            assertThat(response.get("allowed").asBoolean()).isTrue();
            assertThat(response.at("/auditAnnotations/images-reviewed").asText()).isEqualTo("0");
        }
    }

    @Test
    void mutatePinsAPodsTagsToTheDigestsJudgedAndKeepsTheTag() {
        AdmissionRequests request = pod("default", "p", "registry.test/adm-pin/clean:1", "registry.test/adm-pin/nothing:1");

        JsonNode response = mutate(request);
        String judged = validate(pod("default", "p", "registry.test/adm-pin/clean:1", "registry.test/adm-pin/nothing:1"))
                .at("/auditAnnotations/image-digests").asText();

        assertThat(response.get("uid").asText()).isEqualTo(request.uid());
        assertThat(response.get("allowed").asBoolean()).isTrue();
        assertThat(response.get("patchType").asText()).isEqualTo("JSONPatch");
        JsonNode patch = patchOf(response);
        assertThat(patch).hasSize(2);
        assertThat(patch.get(0).get("op").asText()).isEqualTo("replace");
        assertThat(patch.get(0).get("path").asText()).isEqualTo("/spec/containers/0/image");
        assertThat(patch.get(0).get("value").asText()).matches("registry\\.test/adm-pin/clean:1@sha256:[0-9a-f]{64}");
        assertThat(patch.get(1).get("path").asText()).isEqualTo("/spec/containers/1/image");
        assertThat(judged).isEqualTo(patch.get(0).get("value").asText() + "," + patch.get(1).get("value").asText());
    }

    @Test
    void mutateLeavesDigestsTemplatesAndDeniedPodsAsTheyAre() {
        JsonNode pinned = patchOf(mutate(pod("default", "p", "registry.test/adm-keep/clean:1")));
        String digestReference = pinned.get(0).get("value").asText();

        JsonNode alreadyPinned = mutate(pod("default", "p", digestReference));
        JsonNode template = mutate(workload("apps", "Deployment", "default", "web", "registry.test/adm-keep/clean:1"));
        JsonNode denied = mutate(pod("default", "p", "registry.test/adm-keep/clean:1", "registry.test/adm-keep/vulnerable:1"));

        for (JsonNode response : new JsonNode[] {alreadyPinned, template, denied}) {
            assertThat(response.get("allowed").asBoolean()).isTrue();
            assertThat(response.has("patch")).isFalse();
            assertThat(response.has("status")).isFalse();
        }
    }

    @Test
    void aShortCallerTimeoutShortensTheDeadline() {
        long started = System.nanoTime();
        HttpResponse<String> response = client.send(client.request("/validate?timeout=2s").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pod("default", "slow", "registry.test/delay-6/adm-timeout/clean:1")
                        .toString())).build());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        JsonNode answer = json(response.body()).get("response");
        assertThat(answer.get("allowed").asBoolean()).isFalse();
        assertThat(answer.at("/status/message").asText()).contains("scan in progress, retry shortly");
        // The deadline is the caller's 2 s less the 1 s margin, well before the configured 3 s.
        assertThat(tookMillis).isLessThan(2_000);
    }

    @Test
    void aBadRequestGets400NamingTheProblem() {
        String wrongVersion = pod("default", "p", "nginx:1").toString().replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1");
        String numericImage = pod("default", "p", "nginx:1").toString().replace("\"image\":\"nginx:1\"", "\"image\":42");
        String noUid = pod("default", "p", "nginx:1").toString().replaceFirst("\"uid\":\"[^\"]+\",", "");

        assertThat(badRequest(wrongVersion)).isEqualTo("apiVersion must be \"admission.k8s.io/v1\"");
        assertThat(badRequest(numericImage)).startsWith("request.object.spec.containers[0].image: ");
        assertThat(badRequest(noUid)).isEqualTo("request.uid must be a non-empty string");
        assertThat(badRequest("{\"kind\":")).startsWith("request body is not valid JSON");
    }

    @Test
    void theAdmissionPortServesOnlyTheAdmissionWebhooks() {
        int port = server.admissionPort();
        HttpResponse<String> validate = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/validate"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pod("default", "p", "registry.test/adm-port/clean:1").toString())).build());
        HttpResponse<String> scan = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/scan"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ReviewClient.imageReview("default", "registry.test/adm-port/clean:1"))).build());

        assertThat(port).isNotEqualTo(client.reviewPort());
        assertThat(validate.statusCode()).isEqualTo(200);
        assertThat(json(validate.body()).at("/response/allowed").asBoolean()).isTrue();
        assertThat(scan.statusCode()).isEqualTo(404);
    }

    private JsonNode validate(AdmissionRequests request) {
        return answer(client.admit("/validate", request));
    }

    private JsonNode mutate(AdmissionRequests request) {
        return answer(client.admit("/mutate", request));
    }

    private static JsonNode answer(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = json(response.body());
        assertThat(answer.get("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.get("kind").asText()).isEqualTo("AdmissionReview");
        return answer.get("response");
    }

    private static JsonNode patchOf(JsonNode response) {
        return json(new String(Base64.getDecoder().decode(response.get("patch").asText()), StandardCharsets.UTF_8));
    }

    private String badRequest(String body) {
        HttpResponse<String> response = client.send(client.request("/validate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        return json(response.body()).get("error").asText();
    }
}
