package dev.imagegate.tags;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.exec.ExecBinding;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The registry lookups behind {@link TagResolver}: {@code direct:resolve-tag} asks the registry which digest a
 * tag points to, {@code direct:crane-login} stores trivy's credentials for one registry in crane's docker config.
 */
@Component
public class CraneRoutes extends RouteBuilder {

    private final CraneProperties properties;
    private final Path workingDir;

    public CraneRoutes(CraneProperties properties) throws IOException {
        this.properties = properties;
        this.workingDir = Files.createTempDirectory("imagegate-crane-");
        this.workingDir.toFile().deleteOnExit();
    }

    @Override
    public void configure() {
        // A registry that is down or has no such tag is an expected failure: TagResolver turns it into the
        // image's verdict and one WARN line. Camel's default error handler would log each at ERROR with a
        // stack trace, so these routes hand their exceptions to the caller untouched.
        errorHandler(noErrorHandler());

        from("direct:resolve-tag").routeId("resolve-tag")
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("craneCommand", "digestArguments"))
                .setBody(constant(null))
                .to("direct:exec-crane")
                .bean("craneOutput", "digest");

        from("direct:crane-login").routeId("crane-login")
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("craneCommand", "loginArguments"))
                .setBody(method("craneCommand", "password"))
                .to("direct:exec-crane")
                .bean("craneOutput", "loggedIn");

        from("timer:crane-version?delay=0&period=300000").routeId("crane-version")
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, constant(List.of("version")))
                .setBody(constant(null))
                .doTry()
                    .to("direct:exec-crane")
                    .bean("crane", "update")
                .doCatch(Exception.class)
                    .bean("crane", "failed(${exception})")
                .end();

        from("direct:exec-crane").routeId("exec-crane")
                .setHeader(ExecBinding.EXEC_COMMAND_WORKING_DIR, constant(workingDir.toString()))
                .setHeader(ExecBinding.EXEC_COMMAND_TIMEOUT, constant(properties.timeout().toMillis()))
                .to("exec:{{imagegate.crane.command}}?commandExecutor=#craneProcessExecutor");
    }
}
