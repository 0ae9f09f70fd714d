package dev.imagegate.tags;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How ImageGate runs go-containerregistry's {@code crane} to ask registries which digest a tag points to
 * ({@code imagegate.crane.*}); defaults are in application.properties.
 *
 * @param command       the crane executable, a name on PATH or a path
 * @param timeout       after this the crane process is killed and the lookup fails
 * @param maxConcurrent crane processes allowed at once
 * @param queueSize     lookups allowed to wait for a free slot; beyond it images are answered as pending
 */
@ConfigurationProperties("imagegate.crane")
public record CraneProperties(String command, Duration timeout, int maxConcurrent, int queueSize) {
}
