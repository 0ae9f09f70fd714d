package dev.imagegate.policy;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** Reads the policy file again on a timer, so an edit takes effect without a restart. */
@Component
public class PolicyRoutes extends RouteBuilder {

    private final PolicyProperties properties;

    public PolicyRoutes(PolicyProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() {
        from("timer:policy-reload?period=" + properties.reloadInterval().toMillis()).routeId("policy-reload")
                .bean("policyStore", "reloadIfChanged");
    }
}
