package dev.imagegate.signature;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How ImageGate runs sigstore's {@code cosign} to verify image signatures ({@code imagegate.cosign.*}); defaults
 * are in application.properties.
 *
 * @param command       the cosign executable, a name on PATH or a path
 * @param timeout       after this the cosign process is killed and the check fails
 * @param maxConcurrent cosign processes allowed at once
 * @param queueSize     checks allowed to wait for a free slot; beyond it images are answered as pending
 */
@ConfigurationProperties("imagegate.cosign")
public record CosignProperties(String command, Duration timeout, int maxConcurrent, int queueSize) {
}
