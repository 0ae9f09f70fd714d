package dev.imagegate.tags;

import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.trivy.TrivyCommand;
import dev.imagegate.scan.trivy.TrivyProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** crane reaches registries as trivy does: trivy's environment, its insecure switch and its credentials. */
class CraneCommandTest {

    @TempDir
    Path dir;

    @Test
    void looksUpTheNormalisedTagLatestWhenNoneIsWritten() {
        CraneCommand command = new CraneCommand(trivy(Map.of()));

        assertThat(command.digestArguments(ImageReference.parse("nginx"))).containsExactly("digest", "docker.io/library/nginx:latest");
        assertThat(command.digestArguments(ImageReference.parse("registry.test:5000/team/app:1.4")))
                .containsExactly("digest", "registry.test:5000/team/app:1.4");
    }

    @Test
    void trivysInsecureSettingAllowsPlainHttpAndUnverifiedTls() {
        CraneCommand command = new CraneCommand(trivy(Map.of("TRIVY_INSECURE", "true")));

        assertThat(command.digestArguments(ImageReference.parse("registry.test/app:1")))
                .containsExactly("digest", "--insecure", "registry.test/app:1");
    }

    @Test
    void withoutTrivyCredentialsCraneReadsTheOperatorsDockerConfig() {
        CraneCommand command = new CraneCommand(trivy(Map.of()));

        assertThat(command.hasCredentials()).isFalse();
        assertThat(command.environment(Map.of("DOCKER_CONFIG", "/etc/docker-auth", "HTTPS_PROXY", "http://proxy:3128",
                "TRIVY_INSECURE", "true", "JAVA_HOME", "/opt/java")))
                .containsEntry("DOCKER_CONFIG", "/etc/docker-auth")
                .containsEntry("HTTPS_PROXY", "http://proxy:3128")
                .doesNotContainKey("JAVA_HOME");
    }

    @Test
    void trivysCredentialsGoToAPrivateCopyOfTheDockerConfigAndNeverIntoCranesEnvironment() throws IOException {
        Path operatorConfig = Files.createDirectories(dir.resolve("docker"));
        Files.writeString(operatorConfig.resolve("config.json"), "{\"auths\":{\"other.test\":{\"auth\":\"eDp5\"}}}");
        CraneCommand command = new CraneCommand(trivy(Map.of("TRIVY_USERNAME", "robot,second", "TRIVY_PASSWORD", "s3cret,other",
                "DOCKER_CONFIG", operatorConfig.toString())));

        Map<String, String> environment = command.environment(Map.of("TRIVY_PASSWORD", "from-parent"));
        Path privateConfig = Path.of(environment.get("DOCKER_CONFIG"));

        assertThat(command.hasCredentials()).isTrue();
        assertThat(command.loginArguments("registry.test"))
                .containsExactly("auth", "login", "registry.test", "--username", "robot", "--password-stdin");
        assertThat(command.password()).isEqualTo("s3cret");
        assertThat(environment).doesNotContainKeys("TRIVY_USERNAME", "TRIVY_PASSWORD", "TRIVY_TOKEN", "TRIVY_REGISTRY_TOKEN");
        assertThat(privateConfig).isNotEqualTo(operatorConfig);
        assertThat(privateConfig.resolve("config.json")).hasContent("{\"auths\":{\"other.test\":{\"auth\":\"eDp5\"}}}");
        assertThat(Files.getPosixFilePermissions(privateConfig)).hasSize(3);

        command.deletePrivateDockerConfig();
        assertThat(privateConfig).doesNotExist();
    }

    private static TrivyCommand trivy(Map<String, String> environment) {
        return new TrivyCommand(new TrivyProperties("trivy", Duration.ofMinutes(5), null, null, null, null, false, null,
                environment, DataSize.ofMegabytes(32), Duration.ofDays(7)));
    }
}
