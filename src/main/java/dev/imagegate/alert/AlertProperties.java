package dev.imagegate.alert;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.List;

/**
 * Which decisions alert, and how often the same one may ({@code imagegate.alerts.*}). The sinks' own settings
 * (URLs, SMTP) are placeholders in {@code routes/alerts.yaml}.
 *
 * @param on       the kinds that alert: denied, audit, break-glass, scan-failure
 * @param window   the same namespace, images and kind alert once per window: controllers retry a pod spec often
 * @param findings the most severe findings listed per image
 * @param maxRetryAfter the longest a sink that answers 429 or 503 with Retry-After is waited for before the next
 *                 try (a longer ask waits this long)
 */
@ConfigurationProperties("imagegate.alerts")
public record AlertProperties(List<String> on, Duration window, int findings, Duration maxRetryAfter) {
}
