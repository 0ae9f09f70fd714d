package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static dev.imagegate.policy.PolicyTest.scanned;
import static org.assertj.core.api.Assertions.assertThat;

/** The policy file changing on disk in each of the ways operators and Kubernetes change it. */
class PolicyStoreTest {

    static final String DENY_HIGH = "defaults: {severity: HIGH}\n";
    static final String DENY_CRITICAL = "defaults: {severity: CRITICAL}\n";

    @TempDir
    Path dir;

    @Test
    void withoutAFileTheBuiltInRuleApplies() {
        PolicyStore store = store(dir.resolve("absent.yaml"));

        assertThat(thresholdOf(store)).isEqualTo("HIGH");
        assertThat(new PolicyHealthIndicator(store).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void picksUpAnInPlaceWrite() throws IOException {
        Path file = Files.writeString(dir.resolve("policy.yaml"), DENY_HIGH);
        PolicyStore store = store(file);

        Files.writeString(file, DENY_CRITICAL);
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("CRITICAL");
    }

    @Test
    void picksUpAFileRenamedOverTheOldOne() throws IOException {
        Path file = Files.writeString(dir.resolve("policy.yaml"), DENY_HIGH);
        PolicyStore store = store(file);

        Path edited = Files.writeString(dir.resolve(".policy.yaml.swp"), DENY_CRITICAL);
        Files.move(edited, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("CRITICAL");
    }

    @Test
    void picksUpAConfigMapUpdate() throws IOException {
        // The kubelet's layout: policy.yaml -> ..data/policy.yaml, ..data -> ..<timestamp>; an update writes a new
        // timestamped directory and swaps ..data atomically.
        Path first = Files.createDirectory(dir.resolve("..2026_11_28_00_00_00.1"));
        Files.writeString(first.resolve("policy.yaml"), DENY_HIGH);
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("policy.yaml"), Path.of("..data/policy.yaml"));
        PolicyStore store = store(file);

        Path second = Files.createDirectory(dir.resolve("..2026_11_28_00_05_00.2"));
        Files.writeString(second.resolve("policy.yaml"), DENY_CRITICAL);
        Path newData = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(newData, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(first.resolve("policy.yaml"));
        Files.delete(first);
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("CRITICAL");
    }

    @Test
    void aBrokenFileKeepsThePreviousPolicyAndShowsInHealth() throws IOException {
        Path file = Files.writeString(dir.resolve("policy.yaml"), DENY_CRITICAL);
        PolicyStore store = store(file);

        Files.writeString(file, "defaults:\n  severity: CRITICAL\n  ignoreUnfixd: true\n");
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("CRITICAL");
        assertThat(new PolicyHealthIndicator(store).health().getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(store.lastError())
                .contains("at line 3, field defaults.ignoreUnfixd: unknown field \"ignoreUnfixd\"", "keeping the previous policy");

        Files.writeString(file, DENY_HIGH);
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("HIGH");
        assertThat(new PolicyHealthIndicator(store).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aDeletedFileKeepsThePreviousPolicy() throws IOException {
        Path file = Files.writeString(dir.resolve("policy.yaml"), DENY_CRITICAL);
        PolicyStore store = store(file);

        Files.delete(file);
        store.reloadIfChanged();

        assertThat(thresholdOf(store)).isEqualTo("CRITICAL");
        assertThat(store.lastError()).contains("is missing");
    }

    private static PolicyStore store(Path file) {
        return new PolicyStore(new PolicyProperties(file, Duration.ofSeconds(1)), "deny", new SimpleMeterRegistry());
    }

    /** The severity threshold in force, read off how a single HIGH finding is judged. */
    private static String thresholdOf(PolicyStore store) {
        return store.current().judge(ImageReference.parse("app:1"), scanned("CVE-1:HIGH"), "default").allowed() ? "CRITICAL" : "HIGH";
    }
}
