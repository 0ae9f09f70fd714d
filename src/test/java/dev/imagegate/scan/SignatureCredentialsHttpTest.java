package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.support.CosignDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signature checks reach a registry that asks for credentials as tag lookups do: cosign reads crane's docker
 * config, into which trivy's username and password are logged in once the registry refuses cosign.
 */
class SignatureCredentialsHttpTest extends RegistryDoubleHttpTest {

    static final String POLICY = """
            signatures:
              - images: ["private.test/**"]
                keys:
                  - name: release
                    file: %s
                transparencyLog: ignore
            """.formatted(Path.of("src/test/resources/signature/release.pub").toAbsolutePath());

    @Autowired
    PolicyStore policies;

    String shipped;

    @BeforeEach
    void requireSignatures() throws IOException {
        shipped = Files.readString(policyFile);
        Files.writeString(policyFile, POLICY);
        policies.reloadIfChanged();
        assertThat(policies.lastError()).isNull();
    }

    @AfterEach
    void restorePolicy() throws IOException {
        Files.writeString(policyFile, shipped);
        policies.reloadIfChanged();
    }

    @Test
    void aRegistryThatRefusesCosignGetsTrivysCredentialsOnceAndIsAskedAgain() {
        String image = "private.test/signed/app@sha256:" + "d".repeat(64);

        JsonNode status = review("default", image);

        // The double knows no signature of this image: reaching "no signature found" means cosign got in.
        assertThat(status.get("reason").asText()).as(status.toString())
                .startsWith(image + ": denied: not signed by any of release (no signature found)");
        assertThat(crane.runsFor("private.test")).as("crane auth login").hasSize(1);
    }
}
