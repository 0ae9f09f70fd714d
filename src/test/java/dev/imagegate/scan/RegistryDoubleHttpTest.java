package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.server.ReviewServer;
import dev.imagegate.support.CraneDouble;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TrivyDouble;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.StreamSupport;

/**
 * One application for the tests of digest-keyed results, with the test-double crane and trivy sharing one
 * pretend registry: short tag TTL and grace so that tags move within a test, trivy's registry credentials
 * (which registry {@code private.test} asks for). Reviews on {@code imagegate.review.port}, the actuator on
 * {@code server.port}. Each test uses
 * its own image names.
 */
@CamelSpringBootTest
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "imagegate.trivy.command=" + TrivyDouble.COMMAND,
        "imagegate.trivy.timeout=10s",
        "imagegate.cache.tag-ttl=" + RegistryDoubleHttpTest.TAG_TTL_SECONDS + "s",
        "imagegate.cache.tag-grace=" + RegistryDoubleHttpTest.TAG_GRACE_SECONDS + "s",
        "imagegate.cache.error-ttl=1s",
        "imagegate.crane.timeout=" + RegistryDoubleHttpTest.CRANE_TIMEOUT_SECONDS + "s",
        "imagegate.trivy.environment.TRIVY_USERNAME=robot",
        "imagegate.trivy.environment.TRIVY_PASSWORD=s3cret",
        "imagegate.trivy.environment.TRIVY_DOUBLE_CRANE_AUTH=private.test=robot:s3cret",
        "imagegate.review.port=0"})
abstract class RegistryDoubleHttpTest {

    static final int TAG_TTL_SECONDS = 3;
    static final int TAG_GRACE_SECONDS = 8;
    static final int CRANE_TIMEOUT_SECONDS = 2;
    static final Duration TAG_TTL = Duration.ofSeconds(TAG_TTL_SECONDS);
    static final Duration TAG_GRACE = Duration.ofSeconds(TAG_GRACE_SECONDS);

    static final TrivyDouble trivy = new TrivyDouble();
    static final CraneDouble crane = new CraneDouble();
    static final Path policyFile = policyFile("""
            namespaces:
              overrides:
                lenient: {onScanError: allow}
            """);

    @DynamicPropertySource
    static void doubles(DynamicPropertyRegistry registry) {
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_LOG", trivy::logFile);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_REGISTRY", crane::registryFile);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_CRANE_LOG", crane::logFile);
        registry.add("imagegate.trivy.environment.TRIVY_DOUBLE_CRANE_ENV", crane::environmentFile);
        registry.add("imagegate.policy.file", policyFile::toString);
    }

    @LocalServerPort
    int managementPort;

    @Autowired
    ReviewServer reviewServer;

    ReviewClient client;

    @BeforeEach
    void connect() {
        client = new ReviewClient(reviewServer::getPort, () -> managementPort);
    }

    /** The answer's status for a pod with {@code image} in {@code namespace}. */
    JsonNode review(String namespace, String image) {
        HttpResponse<String> response = client.post(ReviewClient.imageReview(namespace, image));
        if (response.statusCode() != 200) {
            throw new AssertionError("HTTP " + response.statusCode() + ": " + response.body());
        }
        return ReviewClient.json(response.body()).get("status");
    }

    String metrics() {
        return client.actuator("/actuator/prometheus").body();
    }

    /** {@code /actuator/scans}' entry for the digest the test-double crane gives {@code tag}. */
    JsonNode cached(String tag) {
        JsonNode results = ReviewClient.json(client.actuator("/actuator/scans").body()).get("results");
        return StreamSupport.stream(results.spliterator(), false)
                .filter(e -> e.get("image").asText().equals(CraneDouble.pinned(tag))).findFirst()
                .orElseThrow(() -> new AssertionError(tag + " is not cached"));
    }

    private static Path policyFile(String policy) {
        try {
            Path file = Files.createTempFile("policy-", ".yaml");
            Files.writeString(file, policy);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
