package dev.imagegate.routes;

import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Route files edited while ImageGate serves. The routes directory has the layout of a mounted ConfigMap
 * (each file a symlink into {@code ..data}), so the same tests cover edits and ConfigMap updates.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "imagegate.trivy.command=" + TrivyDouble.COMMAND,
        "imagegate.trivy.timeout=10s",
        "imagegate.routes-reload-interval=200ms"})
class RouteFilesHttpTest {

    static final Path configMap = configMapOf(Path.of("routes"));
    static final String REVIEW = read(Path.of("routes/review.yaml"));
    static final String ALERTS = read(Path.of("routes/alerts.yaml"));
    static int version = 1;

    @DynamicPropertySource
    static void routesDir(DynamicPropertyRegistry registry) {
        registry.add("imagegate.routes-dir", configMap::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    RouteFiles routeFiles;

    @Autowired
    CamelContext camel;

    ReviewClient client;

    @BeforeEach
    void connect() {
        client = new ReviewClient(port);
    }

    @AfterEach
    void restoreRoutes() {
        update(REVIEW, ALERTS);
        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UP)
                && post("registry.test/restored/clean:1").headers().firstValue("X-Edited").isEmpty());
    }

    @Test
    void anEditedRouteTakesEffectWithoutARestartAndJavaRoutesKeepServing() {
        update(REVIEW.replace("""
                        - removeHeaders:
                            pattern: "*"
                """, """
                        - removeHeaders:
                            pattern: "*"
                        - setHeader:
                            name: X-Edited
                            constant: "yes"
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
        update(REVIEW + mistake, ALERTS);

        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UNKNOWN));
        assertThat(routeFiles.health().getDetails().get("error").toString()).contains("review.yaml");
        assertThat(camel.getRoute("image-review")).isSameAs(serving);
        assertThat(post("registry.test/broken/vulnerable:1").body()).contains("\"allowed\":false", "CVE-2022-22965");
    }

    @Test
    void anUnknownEndpointKeepsThePreviousRoutes() {
        update(REVIEW, ALERTS.replace("- to: direct:audit-log", "- to: nosuchcomponent:audit-log"));

        await().atMost(Duration.ofSeconds(10)).until(() -> routeFiles.health().getStatus().equals(Status.UNKNOWN));
        assertThat(routeFiles.health().getDetails().get("error").toString()).contains("alerts.yaml");
        assertThat(post("registry.test/unknown/clean:1").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> post(String image) {
        return client.post(ReviewClient.imageReview("default", image));
    }

    /** Writes a new ConfigMap version and swaps {@code ..data} to it, as the kubelet does. */
    private static synchronized void update(String review, String alerts) {
        try {
            Path next = Files.createDirectory(configMap.resolve("..v" + ++version));
            Files.writeString(next.resolve("review.yaml"), review);
            Files.writeString(next.resolve("alerts.yaml"), alerts);
            Path link = Files.createSymbolicLink(configMap.resolve("..data_tmp"), next.getFileName());
            Files.move(link, configMap.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path configMapOf(Path routes) {
        try {
            Path dir = Files.createTempDirectory("routes-configmap-");
            Path first = Files.createDirectory(dir.resolve("..v1"));
            for (String name : new String[] {"review.yaml", "alerts.yaml"}) {
                Files.copy(routes.resolve(name), first.resolve(name));
                Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
            }
            Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
