package dev.imagegate.routes;

import dev.imagegate.support.ConfigMapRoutes;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Route files edited while ImageGate serves. The routes directory has the layout of a mounted ConfigMap
 * (each file a symlink into {@code ..data}), so the same tests cover edits and ConfigMap updates.
 */
@ImageGateHttpTest
class RouteFilesHttpTest {

    static final ConfigMapRoutes configMap = TestEnvironment.routes();
    static final String REVIEW = configMap.shipped("review.yaml");
    static final String ALERTS = configMap.shipped("alerts.yaml");

    @Autowired
    ReviewClient client;

    @Autowired
    RouteFiles routeFiles;

    @Autowired
    CamelContext camel;

    /** The application is shared with other tests: they get the shipped routes back, serving. */
    @AfterEach
    void restoreRoutes() {
        configMap.restore();
        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UP)
                && post("registry.test/restored/clean:1").headers().firstValue("X-Edited").isEmpty());
    }

    @Test
    void anEditedRouteTakesEffectWithoutARestartAndJavaRoutesKeepServing() {
        configMap.update(REVIEW.replace("""
                        - removeHeaders:
                            pattern: "*"
                        - to: direct:judge-images
                """, """
                        - removeHeaders:
                            pattern: "*"
                        - setHeader:
                            name: X-Edited
                            constant: "yes"
                        - to: direct:judge-images
                """), ALERTS);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(post("registry.test/edited/clean:1").headers().firstValue("X-Edited")).hasValue("yes"));
        HttpResponse<String> scannedAfterReload = post("registry.test/edited/vulnerable:2");
        assertThat(scannedAfterReload.body()).contains("CVE-2022-22965");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\n- route: [this is not\n", "\n- route:\n    from:\n      uri: direct:x\n      steps:\n        - too: log:x\n"})
    void aFileThatDoesNotParseNeverTakesItsRoutesDown(String mistake) {
        Route serving = camel.getRoute("image-review");
        configMap.update(REVIEW + mistake, ALERTS);

        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UNKNOWN));
        assertThat(routeFiles.health().getDetails().get("error").toString()).contains("review.yaml");
        assertThat(camel.getRoute("image-review")).isSameAs(serving);
        assertThat(post("registry.test/broken/vulnerable:1").body()).contains("\"allowed\":false", "CVE-2022-22965");
    }

    @Test
    void anUnknownEndpointKeepsThePreviousRoutes() {
        configMap.update(REVIEW, ALERTS.replace("- to: direct:audit-log", "- to: nosuchcomponent:audit-log"));

        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UNKNOWN));
        assertThat(routeFiles.health().getDetails().get("error").toString()).contains("alerts.yaml");
        assertThat(post("registry.test/unknown/clean:1").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> post(String image) {
        return client.post(ReviewClient.imageReview("default", image));
    }
}
