package dev.imagegate.policy;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code policy} health component: UP when the file on disk is the policy in force, UNKNOWN when an edit
 * was rejected. Not DOWN: the previous policy still serves, and taking every replica out of the Service for
 * a typo would turn a bad edit into an outage.
 */
@Component("policy")
public class PolicyHealthIndicator implements HealthIndicator {

    private final PolicyStore store;

    public PolicyHealthIndicator(PolicyStore store) {
        this.store = store;
    }

    @Override
    public Health health() {
        String error = store.lastError();
        Health.Builder health = error == null ? Health.up() : Health.unknown().withDetail("error", error);
        return health.withDetail("file", store.file().toString()).withDetail("loadedAt", String.valueOf(store.loadedAt())).build();
    }
}
