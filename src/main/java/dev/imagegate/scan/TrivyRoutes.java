package dev.imagegate.scan;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.exec.ExecBinding;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scan step: {@code direct:scan-image} answers from the {@link Scanner} (cache, single-flight, bounded
 * parallelism), which runs {@code direct:run-trivy} for images it has no result for.
 */
@Component
public class TrivyRoutes extends RouteBuilder {

    private final TrivyProperties properties;
    private final Path workingDir;

    public TrivyRoutes(TrivyProperties properties) throws IOException {
        this.properties = properties;
        // trivy reads trivy.yaml and .trivyignore from its working directory: give it one nobody writes to.
        this.workingDir = Files.createTempDirectory("imagegate-trivy-");
        this.workingDir.toFile().deleteOnExit();
    }

    @Override
    public void configure() {
        from("direct:scan-image").routeId("scan-image")
                .bean("scanner", "scan");

        from("direct:run-trivy").routeId("run-trivy")
                // Read before trivy starts: a DB refreshed during the scan must leave this result older than it.
                .setVariable("dbUpdatedAt", method("trivyDatabase", "updatedAt"))
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "scanArguments"))
                .doTry()
                    .to("direct:exec-trivy")
                    .bean("trivyOutput", "outcome")
                .doCatch(Exception.class)
                    .bean("trivyOutput", "failure(${exception})")
                .end();

        from("direct:exec-trivy").routeId("exec-trivy")
                .setHeader(ExecBinding.EXEC_COMMAND_WORKING_DIR, constant(workingDir.toString()))
                .setHeader(ExecBinding.EXEC_COMMAND_TIMEOUT, constant(properties.timeout().toMillis()))
                .setBody(constant(null))
                .to("exec:{{imagegate.trivy.command}}?commandExecutor=#trivyProcessExecutor");

        from("timer:trivy-version?delay=0&period=300000").routeId("trivy-version-timer")
                .to("direct:trivy-version");

        from("direct:trivy-version").routeId("trivy-version")
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "versionArguments"))
                .to("direct:exec-trivy")
                .bean("trivyDatabase", "update");

        from("timer:stale-rescans?delay=1000&period=1000").routeId("stale-rescans")
                .bean("staleScans", "rescanNext");

        if (properties.dbRefresh() != null && !properties.clientServerMode()) {
            from("timer:trivy-db-refresh?delay=0&period=" + properties.dbRefresh().toMillis()).routeId("trivy-db-refresh")
                    .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "downloadDbArguments"))
                    .to("direct:exec-trivy")
                    .choice()
                        .when(header(ExecBinding.EXEC_EXIT_VALUE).isEqualTo(0))
                            .log("trivy vulnerability DB refreshed")
                        .otherwise()
                            .log(LoggingLevel.WARN, "trivy vulnerability DB refresh failed (exit ${header.CamelExecExitValue})")
                    .end()
                    .to("direct:trivy-version");
        }
    }
}
