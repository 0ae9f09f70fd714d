package dev.imagegate.scan;

import dev.imagegate.policy.PolicyStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/** The cache endpoint exists only where the actuator has a port the API server does not review on. */
class ScanCacheEndpointPortTest {

    @ParameterizedTest(name = "server.port={0}, management.server.port={1}: {2}")
    @CsvSource(nullValues = "none", value = {
            "8080, none, false",
            "8443, 8081, true",
            "8443, 8443, false",
            "8080, -1, false"})
    void existsOnlyOnAManagementPortOfItsOwn(String serverPort, String managementPort, boolean exists) {
        WebApplicationContextRunner runner = new WebApplicationContextRunner()
                .withBean(Scanner.class, () -> mock(Scanner.class))
                .withBean(TagResolver.class, () -> mock(TagResolver.class))
                .withBean(PolicyStore.class, () -> mock(PolicyStore.class))
                .withUserConfiguration(ScanCacheEndpoint.class)
                .withPropertyValues("server.port=" + serverPort);
        if (managementPort != null) {
            runner = runner.withPropertyValues("management.server.port=" + managementPort);
        }

        runner.run(context -> assertThat(context.getBeansOfType(ScanCacheEndpoint.class)).hasSize(exists ? 1 : 0));
    }
}
