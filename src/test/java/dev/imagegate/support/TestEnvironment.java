package dev.imagegate.support;

import dev.imagegate.server.ReviewServer;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * What every HTTP test's application runs against, once per JVM: the test-double trivy and its log, a copy of
 * the shipped policy file, and the shipped route files laid out as a mounted ConfigMap (each file a symlink into
 * {@code ..data}), so that tests can edit policy and routes live and put them back.
 */
public final class TestEnvironment implements ApplicationContextInitializer<GenericApplicationContext> {

    public static final Path SHIPPED_POLICY = Path.of("config/policy.yaml");
    public static final Path SHIPPED_ROUTES = Path.of("routes");

    private static final TrivyDouble TRIVY = new TrivyDouble();
    private static final CosignDouble COSIGN = new CosignDouble();
    private static final Path POLICY = copyOf(SHIPPED_POLICY);
    private static final ConfigMapRoutes ROUTES = ConfigMapRoutes.of(SHIPPED_ROUTES);

    public static TrivyDouble trivy() {
        return TRIVY;
    }

    public static CosignDouble cosign() {
        return COSIGN;
    }

    /** The policy file the applications read; a test that edits it puts {@link #SHIPPED_POLICY} back. */
    public static Path policyFile() {
        return POLICY;
    }

    public static ConfigMapRoutes routes() {
        return ROUTES;
    }

    /**
     * These settings go just above the application's own files, so that a test's {@code @TestPropertySource} and
     * {@code @DynamicPropertySource} still override them.
     */
    @Override
    public void initialize(GenericApplicationContext context) {
        MutablePropertySources sources = context.getEnvironment().getPropertySources();
        MapPropertySource environment = new MapPropertySource("imagegate-test-environment", Map.of(
                "imagegate.trivy.environment.TRIVY_DOUBLE_LOG", TRIVY.logFile(),
                "imagegate.trivy.environment.TRIVY_DOUBLE_SIGNATURES", COSIGN.signaturesFile(),
                "imagegate.trivy.environment.TRIVY_DOUBLE_COSIGN_LOG", COSIGN.logFile(),
                "imagegate.policy.file", POLICY.toString(),
                "imagegate.routes-dir", ROUTES.directory().toString()));
        sources.stream().map(PropertySource::getName).filter(name -> name.startsWith("Config resource")).findFirst()
                .ifPresentOrElse(applicationFiles -> sources.addBefore(applicationFiles, environment), () -> sources.addLast(environment));
        // The ports are looked up per request: the servers have them only once they have started.
        context.registerBean(ReviewClient.class, () -> new ReviewClient(() -> context.getBean(ReviewServer.class).getPort(),
                () -> context.getEnvironment().getRequiredProperty("local.server.port", Integer.class)));
    }

    private static Path copyOf(Path file) {
        try {
            Path copy = Files.createTempFile("imagegate-test-", "-" + file.getFileName());
            return Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
