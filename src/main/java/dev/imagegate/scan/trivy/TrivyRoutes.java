package dev.imagegate.scan.trivy;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.exec.ExecBinding;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Trivy's runs: {@code direct:run-trivy} scans an image for the {@code Scanner} (cache, single-flight, bounded
 * parallelism), and timers check trivy's version and DB and refresh the DB.
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

        if (properties.clientServerMode()) {
            // The DB that judges is the server's: its /version answers what 'trivy version' answers standalone.
            from("direct:trivy-version").routeId("trivy-version")
                    .setBody(constant(null))
                    .doTry()
                        .to(properties.server().replaceAll("/+$", "") + "/version?httpMethod=GET")
                        .bean("trivyDatabase", "updateFromServer")
                    .doCatch(Exception.class)
                        .log(LoggingLevel.WARN, "dev.imagegate.scan.trivy.TrivyDatabase",
                                "the Trivy server's /version failed: ${exception.message}")
                    .end();
        } else {
            from("direct:trivy-version").routeId("trivy-version")
                    .doTry()
                        .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "versionArguments"))
                        .to("direct:exec-trivy")
                        .bean("trivyDatabase", "update")
                        .to("direct:trivy-first-db")
                    .doCatch(Exception.class)
                        // trivy missing or not runnable: readiness says so; one line, not a stack trace per check.
                        .log(LoggingLevel.WARN, "dev.imagegate.scan.trivy.TrivyDatabase",
                                "could not run trivy: ${exception.message}")
                    .end();

            // Not ready without a DB, so no review's scan would fetch it: the first one is fetched here, and
            // tried again with the next version check when it fails.
            from("direct:trivy-first-db").routeId("trivy-first-db")
                    .errorHandler(noErrorHandler())
                    .filter(method("trivyDatabase", "firstDownloadDue"))
                        .log(LoggingLevel.INFO, "dev.imagegate.scan.trivy.TrivyDatabase",
                                "trivy has no vulnerability DB yet: downloading it (not ready until it is in)")
                        .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "downloadDbArguments"))
                        .to("direct:exec-trivy")
                        .bean("trivyDatabase", "downloaded")
                        .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "versionArguments"))
                        .to("direct:exec-trivy")
                        .bean("trivyDatabase", "update");
        }

        if (properties.dbRefresh() != null && !properties.clientServerMode()) {
            // Ticks often, refreshes when due: every imagegate.trivy.db-refresh, sooner again after a failure.
            from("timer:trivy-db-refresh?delay=0&period=" + TrivyDatabase.refreshTick(properties.dbRefresh()).toMillis())
                    .routeId("trivy-db-refresh")
                    .filter(method("trivyDatabase", "refreshDue"))
                        .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("trivyCommand", "downloadDbArguments"))
                        .to("direct:exec-trivy")
                        .bean("trivyDatabase", "refreshed")
                        .to("direct:trivy-version");
        }
    }
}
