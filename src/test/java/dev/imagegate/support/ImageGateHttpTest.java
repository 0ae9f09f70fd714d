package dev.imagegate.support;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The running application over real HTTP, as the HTTP tests share it: one Spring context for every class that
 * adds nothing to this annotation (Spring caches it by configuration), the test-double trivy of this JVM
 * ({@link TestEnvironment#trivy()}), and a {@link ReviewClient} to autowire. A class that needs other settings
 * adds {@code @TestPropertySource} and gets a context of its own; tell images apart by name instead where
 * you can ({@code registry.test/<test>/<report>:1}), so the shared context stays shared.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@CamelSpringBootTest
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "imagegate.review.port=0",
        "imagegate.trivy.command=" + TrivyDouble.COMMAND,
        "imagegate.trivy.timeout=10s",
        "imagegate.scan.max-concurrent=4",
        "imagegate.review.deadline=3s",
        "imagegate.review.read-timeout=3s",
        "imagegate.policy.reload-interval=200ms",
        "imagegate.routes-reload-interval=200ms"})
@ContextConfiguration(initializers = TestEnvironment.class)
public @interface ImageGateHttpTest {
}
