package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ReviewClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry that asks every client for a username and password, which ImageGate has only as trivy's
 * {@code TRIVY_USERNAME}/{@code TRIVY_PASSWORD}: the real crane, refused anonymously, logs in with them
 * ({@code crane auth login} into ImageGate's private docker config) and looks the tag up; trivy scans with them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryCredentialsEndToEndIT {

    /** The password {@code s3cret}, hashed with bcrypt at cost 4 (docker-registry checks it on every request). */
    static final LocalRegistry.Login ROBOT = new LocalRegistry.Login("robot", "s3cret",
            "robot:$2b$04$oeCIt/JT0XD4ciH5zad0lO/DGb/StRkEP7l8Er6QixHqobIKDwWAS");
    static final TestImage PRIVATE_VULNERABLE = new TestImage("e2e/private-openssl", ScanEndToEndIT.ALPINE_VULNERABLE.files());

    LocalRegistry registry;
    ImageGateProcess imageGate;
    String digest;

    @BeforeAll
    void start() throws Exception {
        EndToEnd.Tools tools = EndToEnd.tools();
        Path work = EndToEnd.workDir("registry-credentials");
        Path trivyCache = EndToEnd.fixtureDb(tools, work.resolve("trivy-cache"));
        registry = LocalRegistry.start(tools.registry(), work, ROBOT);
        digest = registry.push(PRIVATE_VULNERABLE, "1.0");
        Map<String, String> properties = new LinkedHashMap<>(EndToEnd.offlineScanning(tools, trivyCache));
        properties.put("imagegate.trivy.environment.TRIVY_USERNAME", ROBOT.username());
        properties.put("imagegate.trivy.environment.TRIVY_PASSWORD", ROBOT.password());
        imageGate = ImageGateProcess.start("imagegate-credentials", properties, work);
    }

    @AfterAll
    void stop() {
        EndToEnd.closeAll(imageGate, registry);
    }

    @Test
    void aTagInARegistryThatAsksForCredentialsIsLookedUpAndScannedWithTrivys() {
        String tag = registry.reference(PRIVATE_VULNERABLE, "1.0");

        JsonNode status = imageGate.client().review(tag);

        assertThat(status.get("allowed").asBoolean()).as(status.toString()).isFalse();
        assertThat(status.get("reason").asText()).contains(tag, "CVE-2024-6119");
        assertThat(status.at("/images/0/digest").asText()).isEqualTo(digest);
        assertThat(imageGate.logTail()).doesNotContain(ROBOT.password());
    }
}
