package dev.imagegate.scan;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.List;

/**
 * How many scans run and which images are scanned ahead of time ({@code imagegate.scan.*}).
 *
 * @param maxConcurrent trivy processes allowed at once
 * @param queueSize     scans allowed to wait for a free slot; beyond it images are answered as pending
 * @param prewarm       images scanned at start-up so their first review is answered from the cache
 */
@ConfigurationProperties("imagegate.scan")
public record ScanProperties(int maxConcurrent, int queueSize, List<String> prewarm) {

    public ScanProperties {
        prewarm = prewarm == null ? List.of() : List.copyOf(prewarm);
    }
}
