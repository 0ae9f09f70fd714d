package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The review route on its own: scans replaced by canned outcomes (an image named {@code vulnerable} has a
 * CRITICAL finding, others none), the alert copy caught by a mock, and an operator's edit inside the split.
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(properties = {"imagegate.trivy.command=" + TrivyDouble.COMMAND, "imagegate.review.port=0"})
class ReviewRouteTest {

    /** The operator's edit keeps this image from the scan step. */
    static final String KEPT_FROM_SCAN = "registry.test/team/dropped:1";

    @Autowired
    CamelContext camel;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:decisions")
    MockEndpoint decisions;

    @EndpointInject("mock:scan-image")
    MockEndpoint scans;

    @BeforeEach
    void adviseRoute() throws Exception {
        if (camel.isStarted()) {
            return;
        }
        AdviceWith.adviceWith(camel, "image-review", route -> {
            route.replaceFromWith("direct:review");
            route.weaveByToUri("seda:decisions*").replace().to("mock:decisions");
        });
        AdviceWith.adviceWith(camel, "judge-images", route -> {
            // An operator's steps inside the split, as the README invites: a log, and a filter that keeps one
            // image from the scan.
            route.weaveByToUri("direct:scan-image").replace()
                    .log("scanning ${body.image}")
                    .filter(route.simple("${body.image} != '" + KEPT_FROM_SCAN + "'"))
                        .to("direct:scan-image")
                    .end();
            route.interceptSendToEndpoint("direct:scan-image").skipSendToOriginalEndpoint().to("mock:scan-image")
                    .process(ReviewRouteTest::cannedScan);
        });
        camel.start();
    }

    @Test
    void validatesEachDistinctImageScansTheValidOnesAndCopiesTheDecisionToAlerts() throws Exception {
        decisions.reset();
        scans.reset();
        scans.expectedMessageCount(2);
        decisions.expectedMessageCount(1);

        String answer = review("team-a", "registry.test/a:1", "registry.test/b:1", "registry.test/a:1", "Not/Valid");

        scans.assertIsSatisfied();
        decisions.assertIsSatisfied();
        assertThat(scans.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(ImageCheck.class).reference().original())
                .containsExactlyInAnyOrder("registry.test/a:1", "registry.test/b:1");
        Decision decision = decisions.getReceivedExchanges().get(0).getMessage().getBody(Decision.class);
        assertThat(decision.namespace()).isEqualTo("team-a");
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.verdicts()).hasSize(3);
        JsonNode status = ReviewClient.json(answer).get("status");
        assertThat(status.get("reason").asText()).startsWith("Not/Valid: denied: invalid image reference");
    }

    @Test
    void anOperatorsStepInsideTheSplitCannotGiveOneImageAnothersVerdict() throws Exception {
        decisions.reset();
        decisions.expectedMessageCount(1);

        review("team-b", "registry.test/team/vulnerable:1", KEPT_FROM_SCAN, "registry.test/team/clean:1", "Not/Valid");

        decisions.assertIsSatisfied();
        Decision decision = decisions.getReceivedExchanges().get(0).getMessage().getBody(Decision.class);
        assertThat(decision.verdicts()).extracting(Verdict::image, Verdict::status, Verdict::allowed).containsExactly(
                tuple("registry.test/team/vulnerable:1", Verdict.Status.VULNERABLE, false),
                tuple(KEPT_FROM_SCAN, Verdict.Status.NOT_CHECKED, false),
                tuple("registry.test/team/clean:1", Verdict.Status.PASSED, true),
                tuple("Not/Valid", Verdict.Status.INVALID, false));
        assertThat(decision.verdicts().get(0).findings()).extracting(Finding::vulnerabilityId).containsExactly("CVE-1");
    }

    @Test
    void eachRouteGetsOnlyItsOwnErrorHandling() {
        assertThat(camel.getRoute("image-review").getConfigurationId()).isEqualTo("review-errors");
        assertThat(camel.getRoute("admission-validate").getConfigurationId()).isEqualTo("review-errors");
        assertThat(camel.getRoute("admission-mutate").getConfigurationId()).isEqualTo("review-errors");
        // The shared judging route has none of its own: a failure there is answered by the door it came in by.
        assertThat(camel.getRoute("judge-images").getConfigurationId()).isNull();
        assertThat(camel.getRoute("alert-webhook").getConfigurationId()).isEqualTo("alert-sinks");
        assertThat(camel.getRoute("audit-log").getConfigurationId()).isNull();
        assertThat(camel.getRoute("scan-image").getConfigurationId()).isNull();
    }

    @Test
    void anInvalidReviewIsAnsweredWith400AndNeverReachesAlerts() throws Exception {
        decisions.reset();
        decisions.expectedMessageCount(0);

        var exchange = producer.request("direct:review", e -> e.getMessage().setBody("{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8)));

        assertThat(exchange.getMessage().getHeader("CamelHttpResponseCode", Integer.class)).isEqualTo(400);
        assertThat(exchange.getMessage().getBody(String.class)).contains("apiVersion must be");
        decisions.assertIsSatisfied();
    }

    private String review(String namespace, String... images) {
        return producer.requestBody("direct:review", ReviewClient.imageReview(namespace, images).getBytes(StandardCharsets.UTF_8),
                String.class);
    }

    private static void cannedScan(Exchange exchange) {
        ImageCheck check = exchange.getMessage().getBody(ImageCheck.class);
        List<Finding> findings = check.image().contains("vulnerable")
                ? List.of(new Finding("CVE-1", Severity.CRITICAL, "openssl", "1.0", "1.1", "fixed")) : List.of();
        exchange.getMessage().setBody(check.scanned(CompletableFuture.completedFuture(check.reference()),
                CompletableFuture.completedFuture(new ScanOutcome.Scanned(new ScanReport(findings, List.of(), "0.74.0", null, null)))));
    }
}
