package dev.imagegate.check;

import dev.imagegate.policy.PolicyProperties;
import dev.imagegate.tags.CraneCommand;
import dev.imagegate.tags.CraneOutput;
import dev.imagegate.tags.CraneProcessExecutor;
import dev.imagegate.tags.CraneProperties;
import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyOutput;
import dev.imagegate.scan.trivy.TrivyProcessExecutor;
import dev.imagegate.scan.trivy.TrivyProperties;
import dev.imagegate.signature.CosignCommand;
import dev.imagegate.signature.CosignOutput;
import dev.imagegate.signature.CosignProcessExecutor;
import dev.imagegate.signature.CosignProperties;
import dev.imagegate.signature.KeyFiles;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * The part of ImageGate that {@code check} needs: crane, trivy and cosign run and read as the webhook runs and reads them, bound
 * from the same {@code imagegate.*} properties; no HTTP server, no routes, no timers. Not a {@code @Configuration}
 * on purpose: the webhook's component scan must not pick it up; {@code check} hands it to Spring as its source.
 */
@EnableConfigurationProperties({TrivyProperties.class, CraneProperties.class, CosignProperties.class, PolicyProperties.class})
@ImportAutoConfiguration(JacksonAutoConfiguration.class)
@Import({TrivyCommand.class, TrivyProcessExecutor.class, TrivyOutput.class, CraneCommand.class,
        CraneProcessExecutor.class, CraneOutput.class, KeyFiles.class, CosignCommand.class, CosignProcessExecutor.class,
        CosignOutput.class})
class CheckConfiguration {
}
