package dev.imagegate.review;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The scan step of {@code routes/review.yaml}: {@code direct:scan-image} gives an image its scan from the
 * Scanner (cached, already running, or started now), without waiting for it.
 */
@Component
public class ScanImageRoute extends RouteBuilder {

    private final ImageChecks checks;

    public ScanImageRoute(ImageChecks checks) {
        this.checks = checks;
    }

    @Override
    public void configure() {
        from("direct:scan-image").routeId("scan-image")
                .bean(checks, "scan");
    }
}
