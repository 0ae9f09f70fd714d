package dev.imagegate.review;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegate.image.ImageReference;
import dev.imagegate.image.InvalidImageReferenceException;
import dev.imagegate.policy.Policy;
import dev.imagegate.policy.PolicyStore;
import dev.imagegate.policy.Verdict;
import dev.imagegate.scan.Scanner;
import dev.imagegate.scan.report.Finding;
import dev.imagegate.scan.report.ScanOutcome;
import dev.imagegate.scan.report.ScanReport;
import dev.imagegate.scan.report.Severity;
import dev.imagegate.tags.TagResolver;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /actuator/scans}, for operators: what is cached (per digest, with the tags that point to it now, the
 * verdict under the policy in force, the scan time and the vulnerability DB it used), and eviction of one image
 * or of everything, so that the next review asks the registry and trivy again. Served with the rest of the
 * actuator on {@code server.port}, never on {@code imagegate.review.port}: the port the API server reviews on
 * must not list the cluster's images or force rescans.
 */
@Component
@Endpoint(id = "scans")
public class ScanCacheEndpoint {

    private static final String DEFAULT_NAMESPACE = "default";

    private final Scanner scanner;
    private final TagResolver tags;
    private final PolicyStore policies;

    public ScanCacheEndpoint(Scanner scanner, TagResolver tags, PolicyStore policies) {
        this.scanner = scanner;
        this.tags = tags;
        this.policies = policies;
    }

    /** Every cached result, judged as a pod in {@code namespace} (default: {@code default}) would be now. */
    @ReadOperation
    public CachedScans list(@Nullable String namespace) {
        Policy policy = policies.current();
        Map<String, List<String>> tagsByImage = new TreeMap<>();
        tags.pinnedTags().forEach((tag, pinned) ->
                tagsByImage.computeIfAbsent(pinned.byDigest(), unused -> new ArrayList<>()).add(tag));
        List<CachedScan> results = new ArrayList<>();
        new TreeMap<>(scanner.results()).forEach((byDigest, outcome) -> results.add(CachedScan.of(byDigest,
                tagsByImage.getOrDefault(byDigest, List.of()), outcome, policy,
                namespace == null ? DEFAULT_NAMESPACE : namespace)));
        return new CachedScans(results);
    }

    /**
     * Forgets everything: every tag is looked up and every digest scanned again at its next review. Lists the
     * tags and the digests' results, as evicting one tag does.
     */
    @DeleteOperation
    public Evicted evictAll() {
        List<String> evicted = new ArrayList<>(new TreeMap<>(tags.pinnedTags()).keySet());
        evicted.addAll(new TreeMap<>(scanner.results()).keySet());
        scanner.results().clear();
        tags.forgetAll();
        return new Evicted(evicted);
    }

    /**
     * Forgets one image: a tag (and the result of the digest it points to), or a digest reference.
     * 404 when nothing was cached for it, 400 when it is no image reference.
     */
    @DeleteOperation
    public WebEndpointResponse<Object> evict(@Selector(match = Selector.Match.ALL_REMAINING) String[] image) {
        ImageReference reference;
        try {
            reference = ImageReference.parse(String.join("/", image));
        } catch (InvalidImageReferenceException e) {
            return new WebEndpointResponse<>(Map.of("error", e.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        List<String> evicted = new ArrayList<>();
        Optional<String> digest = Optional.ofNullable(reference.digest());
        if (!reference.isDigestPinned()) {
            digest = tags.forget(reference);
            digest.ifPresent(unused -> evicted.add(reference.original()));
        }
        digest.map(d -> reference.at(d).byDigest())
                .filter(byDigest -> scanner.results().remove(byDigest) != null)
                .ifPresent(evicted::add);
        return new WebEndpointResponse<>(new Evicted(evicted),
                evicted.isEmpty() ? WebEndpointResponse.STATUS_NOT_FOUND : WebEndpointResponse.STATUS_OK);
    }

    public record CachedScans(List<CachedScan> results) {
    }

    public record Evicted(List<String> evicted) {
    }

    /**
     * One cached result.
     *
     * @param image    {@code repository@digest}, what trivy scanned
     * @param tags     the tags that point to this digest now, as far as ImageGate knows
     * @param status   {@code scanned}, {@code failed} or {@code scanning}
     * @param verdict  the policy's verdict and reason for a pod in the namespace asked about
     * @param findings how many vulnerabilities of each severity the scan found, most severe first
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CachedScan(String image, String digest, List<String> tags, String status, Boolean allowed,
                             String verdict, Severity highestSeverity, Map<Severity, Long> findings,
                             Instant scannedAt, Instant dbUpdatedAt) {

        static CachedScan of(String byDigest, List<String> tags, CompletableFuture<ScanOutcome> result, Policy policy,
                             String namespace) {
            ImageReference image = ImageReference.parse(byDigest);
            String digest = image.digest();
            if (!result.isDone() || result.isCompletedExceptionally()) {
                return new CachedScan(byDigest, digest, tags, "scanning", null, null, null, null, null, null);
            }
            ScanOutcome outcome = result.join();
            Verdict verdict = policy.judge(image, outcome, namespace);
            if (!(outcome instanceof ScanOutcome.Scanned scanned)) {
                return new CachedScan(byDigest, digest, tags, "failed", verdict.allowed(), verdict.reason(), null, null,
                        null, null);
            }
            ScanReport report = scanned.report();
            Map<Severity, Long> findings = new LinkedHashMap<>();
            report.findings().forEach(f -> findings.merge(f.severity(), 1L, Long::sum));
            Severity highest = report.findings().stream().map(Finding::severity).max(Comparator.naturalOrder()).orElse(null);
            return new CachedScan(byDigest, digest, tags, "scanned", verdict.allowed(), verdict.reason(), highest,
                    findings, report.scannedAt(), report.dbUpdatedAt());
        }
    }
}
