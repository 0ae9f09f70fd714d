package dev.imagegate.signature;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.exec.ExecBinding;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code direct:verify-signature}: one {@code cosign verify} of an image by digest against one key, for {@link SignatureVerifier}. */
@Component
public class CosignRoutes extends RouteBuilder {

    private final CosignProperties properties;
    private final Path workingDir;

    public CosignRoutes(CosignProperties properties) throws IOException {
        this.properties = properties;
        this.workingDir = Files.createTempDirectory("imagegate-cosign-");
        this.workingDir.toFile().deleteOnExit();
    }

    @Override
    public void configure() {
        from("direct:verify-signature").routeId("verify-signature")
                .setVariable("run", body())
                .setHeader(ExecBinding.EXEC_COMMAND_ARGS, method("cosignCommand", "verifyArguments"))
                .setBody(constant(null))
                .doTry()
                    .to("direct:exec-cosign")
                    .bean("cosignOutput", "outcome(${body}, ${variable.run})")
                .doCatch(Exception.class)
                    .bean("cosignOutput", "failure(${exception})")
                .end();

        from("direct:exec-cosign").routeId("exec-cosign")
                .setHeader(ExecBinding.EXEC_COMMAND_WORKING_DIR, constant(workingDir.toString()))
                .setHeader(ExecBinding.EXEC_COMMAND_TIMEOUT, constant(properties.timeout().toMillis()))
                .to("exec:{{imagegate.cosign.command}}?commandExecutor=#cosignProcessExecutor");
    }
}
