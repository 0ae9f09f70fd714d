package dev.imagegate.routes;

import dev.imagegate.server.ReviewServer;
import dev.imagegate.support.AuditLog;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every review answered gets its audit line: while ImageGate is still starting (the route-file timer already
 * ticking, start-up not finished) and while an operator's edit replaces the routes that write the line.
 */
// Not @CamelSpringBootTest: that starts Camel only once the context is ready; here Camel starts as in production.
@Import(DecisionsAcrossReloadsHttpTest.ReviewsDuringStartUp.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "imagegate.review.port=0",
        "imagegate.trivy.command=" + TrivyDouble.COMMAND,
        "imagegate.trivy.timeout=10s",
        "imagegate.routes-reload-interval=50ms"})
class DecisionsAcrossReloadsHttpTest {

    static final Path routes = copyOf(Path.of("routes"));
    static final Duration START_UP_REVIEWS = Duration.ofSeconds(4);

    @DynamicPropertySource
    static void routesDir(DynamicPropertyRegistry registry) {
        registry.add("imagegate.routes-dir", routes::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    ReviewServer reviewServer;

    @Autowired
    ReviewsDuringStartUp startUp;

    @Autowired
    MeterRegistry meters;

    @Test
    void noRouteFileIsReloadedAndNoDecisionLostWhileImageGateStarts() {
        assertThat(startUp.reviews.answers).hasSizeGreaterThanOrEqualTo(10);
        assertThat(startUp.reviews.answers).allSatisfy((namespace, status) -> assertThat(status).as(namespace).isEqualTo(200));
        assertThat(startUp.reloads).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(startUp.audit.namespaces("boot-")).containsExactlyInAnyOrderElementsOf(startUp.reviews.answers.keySet()));
    }

    @Test
    void noDecisionIsLostWhileAnEditReplacesTheRoutesThatWriteTheAuditLine() throws Exception {
        AuditLog audit = AuditLog.record();
        Reviews reviews = Reviews.start(new ReviewClient(reviewServer.getPort(), port), "edit");
        Path alerts = routes.resolve("alerts.yaml");
        String original = Files.readString(alerts);
        try {
            for (int edit = 1; edit <= 3; edit++) {
                double before = reloads();
                Files.writeString(alerts, original + "\n# edit " + edit + "\n");
                await().atMost(Duration.ofSeconds(20)).until(() -> reloads() > before);
            }
        } finally {
            reviews.stop();
        }

        assertThat(reviews.answers).hasSizeGreaterThanOrEqualTo(10);
        assertThat(reviews.answers).allSatisfy((namespace, status) -> assertThat(status).as(namespace).isEqualTo(200));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(audit.namespaces("edit-")).containsExactlyInAnyOrderElementsOf(reviews.answers.keySet()));
    }

    private double reloads() {
        return meters.counter("imagegate.routes.reloads", "result", "success").count();
    }

    /**
     * Reviews sent by the first callers, as kube-apiserver sends them as soon as the port answers: from when the
     * HTTP server and Camel have started until start-up has finished (runners run before the application is ready).
     */
    static class ReviewsDuringStartUp implements ApplicationRunner {

        final Environment environment;
        final ReviewServer reviewServer;
        final MeterRegistry meters;
        Reviews reviews;
        AuditLog audit;
        double reloads;

        ReviewsDuringStartUp(Environment environment, ReviewServer reviewServer, MeterRegistry meters) {
            this.environment = environment;
            this.reviewServer = reviewServer;
            this.meters = meters;
        }

        @Override
        public void run(ApplicationArguments args) throws InterruptedException {
            audit = AuditLog.record();
            reviews = Reviews.start(new ReviewClient(reviewServer.getPort(),
                    environment.getRequiredProperty("local.server.port", Integer.class)), "boot");
            // Past the timer's first ticks (it starts 1 s after Camel, then every 50 ms), with enough reviews in them.
            Thread.sleep(START_UP_REVIEWS.toMillis());
            await().atMost(Duration.ofSeconds(60)).until(() -> reviews.answers.size() >= 10);
            reviews.stop();
            reloads = meters.counter("imagegate.routes.reloads", "result", "success").count()
                    + meters.counter("imagegate.routes.reloads", "result", "failure").count();
        }
    }

    /** Four callers sending reviews back to back, each in a namespace of its own, until stopped. */
    static final class Reviews {

        final Map<String, Integer> answers = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final ExecutorService callers = Executors.newFixedThreadPool(4);

        static Reviews start(ReviewClient client, String prefix) {
            Reviews reviews = new Reviews();
            AtomicInteger sequence = new AtomicInteger();
            for (int caller = 0; caller < 4; caller++) {
                reviews.callers.submit(() -> {
                    while (reviews.running.get()) {
                        String namespace = prefix + "-" + sequence.incrementAndGet();
                        reviews.answers.put(namespace, client.post(ReviewClient.imageReview(namespace, "registry.test/reload/clean:1")).statusCode());
                    }
                    return null;
                });
            }
            return reviews;
        }

        void stop() throws InterruptedException {
            running.set(false);
            callers.shutdown();
            assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static Path copyOf(Path directory) {
        try {
            Path copy = Files.createTempDirectory("routes-");
            for (String name : new String[] {"review.yaml", "alerts.yaml"}) {
                Files.copy(directory.resolve(name), copy.resolve(name));
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
