package dev.imagegate.review;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.ImageScan;
import dev.imagegate.scan.ScanOutcome;
import dev.imagegate.scan.ScanReport;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
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

import static org.assertj.core.api.Assertions.assertThat;

/** The review route on its own: scans replaced by canned outcomes, the alert copy caught by a mock. */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(properties = "imagegate.trivy.command=" + TrivyDouble.COMMAND)
class ReviewRouteTest {

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
            route.interceptSendToEndpoint("direct:scan-image").skipSendToOriginalEndpoint().to("mock:scan-image")
                    .process(exchange -> exchange.getMessage().setBody(ImageScan.finished(new ScanOutcome.Scanned(
                            new ScanReport(List.of(), List.of(), "0.74.0", null, null)))));
            route.weaveByToUri("seda:decisions*").replace().to("mock:decisions");
        });
        camel.start();
    }

    @Test
    void validatesEachDistinctImageScansTheValidOnesAndCopiesTheDecisionToAlerts() throws Exception {
        decisions.reset();
        scans.reset();
        scans.expectedBodiesReceivedInAnyOrder(ImageReference.parse("registry.test/a:1"),
                ImageReference.parse("registry.test/b:1"));
        decisions.expectedMessageCount(1);

        String answer = producer.requestBody("direct:review", ReviewClient.imageReview("team-a",
                "registry.test/a:1", "registry.test/b:1", "registry.test/a:1", "Not/Valid").getBytes(StandardCharsets.UTF_8), String.class);

        scans.assertIsSatisfied();
        decisions.assertIsSatisfied();
        Decision decision = decisions.getReceivedExchanges().get(0).getMessage().getBody(Decision.class);
        assertThat(decision.namespace()).isEqualTo("team-a");
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.verdicts()).hasSize(3);
        JsonNode status = ReviewClient.json(answer).get("status");
        assertThat(status.get("reason").asText()).startsWith("Not/Valid: denied: invalid image reference");
    }

    @Test
    void eachRouteGetsOnlyItsOwnErrorHandling() {
        assertThat(camel.getRoute("image-review").getConfigurationId()).isEqualTo("review-errors");
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
}
