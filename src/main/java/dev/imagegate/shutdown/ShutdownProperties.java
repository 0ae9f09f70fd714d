package dev.imagegate.shutdown;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How long a shutdown may take ({@code imagegate.shutdown.*}).
 *
 * @param limit from SIGTERM to exit, at most; keep it under the pod's terminationGracePeriodSeconds (30 s by
 *              default), after which Kubernetes kills the process without a word
 */
@ConfigurationProperties("imagegate.shutdown")
public record ShutdownProperties(Duration limit) {
}
