package dev.imagegate.routes;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Duration;

/** Looks at the YAML route files on a timer, so an operator's edit takes effect without a restart. */
@Component
public class RouteFilesReloadRoute extends RouteBuilder {

    private final Duration interval;

    public RouteFilesReloadRoute(@Value("${imagegate.routes-reload-interval}") Duration interval) {
        this.interval = interval;
    }

    @Override
    public void configure() {
        from("timer:routes-reload?period=" + interval.toMillis()).routeId("routes-reload")
                .bean("routes", "reloadIfChanged");
    }
}
