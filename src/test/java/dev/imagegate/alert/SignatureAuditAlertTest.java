package dev.imagegate.alert;

import dev.imagegate.policy.Enforcement;
import dev.imagegate.policy.Verdict;
import dev.imagegate.review.Decision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A signature rule with {@code action: audit} admits the image, and alerts "would deny" as an audited namespace does. */
class SignatureAuditAlertTest {

    final Alerts alerts = new Alerts(new AlertProperties(List.of("denied", "audit"), Duration.ofMinutes(10), 5, Duration.ofSeconds(30)),
            new SimpleMeterRegistry());

    @Test
    void anAuditedSignatureFailureAlertsAsAudit() {
        Verdict audited = Verdict.of("registry.test/app:1", Verdict.Status.PASSED, true,
                "allowed: no vulnerabilities at or above HIGH; audit: would deny: not signed by any of release (no signature found)")
                .signed("missing (audit)");

        Alert alert = alerts.of(Decision.of("default", List.of(audited), Enforcement.ENFORCE, Instant.now()));

        assertThat(alert).isNotNull();
        assertThat(alert.kind()).isEqualTo("audit");
        assertThat(alert.allowed()).isTrue();
    }

    @Test
    void aVerifiedSignatureRaisesNothing() {
        Verdict verified = Verdict.of("registry.test/app:1", Verdict.Status.PASSED, true,
                "allowed: no vulnerabilities at or above HIGH").signed("verified by release");

        assertThat(alerts.of(Decision.of("default", List.of(verified), Enforcement.ENFORCE, Instant.now()))).isNull();
    }
}
