package dev.imagegate.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.TestEnvironment;
import dev.imagegate.support.TrivyDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** One trivy at a time, one waiting, and pending images admitted ({@code on-pending: allow}). */
@ImageGateHttpTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "imagegate.trivy.environment.TRIVY_DOUBLE_DELAY=0.5",
        "imagegate.scan.max-concurrent=1",
        "imagegate.scan.queue-size=1",
        "imagegate.review.on-pending=allow"})
class ScanLimitsHttpTest {

    static final String IMAGES = "registry.test/limits/";
    static final TrivyDouble trivy = TestEnvironment.trivy();
    static final String CLEAN_1 = "registry.test/limits/clean@sha256:" + "1".repeat(64);
    static final String CLEAN_2 = "registry.test/limits/clean@sha256:" + "2".repeat(64);
    static final String CLEAN_3 = "registry.test/limits/clean@sha256:" + "3".repeat(64);
    static final String CLEAN_4 = "registry.test/limits/clean@sha256:" + "4".repeat(64);

    @Autowired
    ReviewClient client;

    @Test
    void scansBeyondTheQueueArePendingAndNeverExceedTheConcurrencyBound(CapturedOutput output) {
        // By digest, so that all four reach the scanner at once: tags would first be looked up, each in its own time.
        JsonNode status = client.review(CLEAN_1, CLEAN_2, CLEAN_3, CLEAN_4);

        assertThat(trivy.mostRunningAtOnce(IMAGES)).isEqualTo(1);
        assertThat(status.get("allowed").asBoolean()).isTrue();
        assertThat(status.at("/auditAnnotations/pending-images").asText()).isEqualTo("2");
        assertThat(status.at("/images/2/reason").asText()).isEqualTo("allowed: scanner is busy with other images, retry shortly");
        assertThat(trivy.runsOf(CLEAN_3)).isEmpty();
        assertThat(output).as("a busy scanner is routine, not a warning with a stack trace per image")
                .doesNotContain("ScannerBusyException");

        client.review(CLEAN_3, CLEAN_4);
        assertThat(trivy.runsOf(CLEAN_3)).hasSize(1);
        assertThat(trivy.mostRunningAtOnce(IMAGES)).isEqualTo(1);
    }
}
