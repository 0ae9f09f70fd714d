package dev.imagegate.scan;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** The scanner's own timer: every second, {@link StaleScans} may start the rescan of one stale result. */
@Component
public class ScanRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("timer:stale-rescans?delay=1000&period=1000").routeId("stale-rescans")
                .bean("staleScans", "rescanNext");
    }
}
