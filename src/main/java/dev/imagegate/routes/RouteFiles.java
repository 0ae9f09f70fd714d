package dev.imagegate.routes;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Reloads a YAML route file of {@code imagegate.routes-dir} when its content changes: an in-place edit, a
 * rename over it, or a Kubernetes ConfigMap update (files are read through their symlinks). Only that file's
 * routes are replaced, and while they serve ({@link RouteSwap}: no request is refused meanwhile); the Java
 * routes and the other files' routes keep running. An edit that does not load (bad YAML, unknown endpoint) is reported in the log and by the {@code routes} health component, and the
 * file's previous routes are put back.
 */
@Component("routes")
public class RouteFiles implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(RouteFiles.class);

    private final CamelContext camel;
    private final Path directory;
    private final MeterRegistry meters;
    private final Map<Path, byte[]> serving = new ConcurrentHashMap<>();
    private final Map<Path, byte[]> rejected = new ConcurrentHashMap<>();
    private final Map<Path, String> errors = new ConcurrentHashMap<>();
    /** The ids of the routes each file has running. */
    private final Map<Path, List<String>> running = new ConcurrentHashMap<>();
    private final RouteSwap swap;
    private final QueueHandover queues = new QueueHandover();

    /**
     * Reads the files Camel is about to load at start-up (it loads them once the beans exist, before its timers
     * run): the timer must never take a file Camel already serves for a new one, and reload it while the first
     * reviews arrive. Reading before Camel does means an edit made in between is reloaded, never missed.
     */
    public RouteFiles(CamelContext camel, @Value("${imagegate.routes-dir}") Path directory, MeterRegistry meters)
            throws IOException {
        this.camel = camel;
        this.directory = directory;
        this.meters = meters;
        this.swap = new RouteSwap(camel);
        // At zero from the start: Prometheus' increase() cannot see a series' first sample, so the first
        // rejected edit would not alert.
        List.of("success", "failure").forEach(result -> meters.counter("imagegate.routes.reloads", "result", result));
        for (Path file : routeFiles()) {
            serving.put(file, Files.readAllBytes(file));
        }
    }

    /** Called by the {@code routes-reload} timer route. */
    public synchronized void reloadIfChanged() throws IOException {
        for (Path file : routeFiles()) {
            byte[] content = Files.readAllBytes(file);
            if (content.length == 0) {
                // Caught between the truncation and the write of an in-place edit: read it again next time.
                continue;
            }
            if (Arrays.equals(content, serving.get(file))) {
                // Reverted to what serves: nothing to load, and nothing wrong any more.
                rejected.remove(file);
                errors.remove(file);
            } else if (!Arrays.equals(content, rejected.get(file))) {
                reload(file, content);
            }
        }
    }

    @Override
    public Health health() {
        return (errors.isEmpty() ? Health.up() : Health.unknown().withDetail("error", String.join("; ", errors.values())))
                .withDetail("directory", directory.toString()).build();
    }

    private void reload(Path file, byte[] content) {
        try {
            swap.routeIds(resource(file, content));
        } catch (Exception e) {
            // YAML and DSL mistakes (most edits that go wrong) are found before any running route is touched.
            reject(file, content, e);
            return;
        }
        byte[] previous = serving.get(file);
        queues.hold(camel);
        try {
            List<String> current = running.containsKey(file) ? running.get(file) : routeIds(file, previous);
            running.put(file, swap.replace(current, resource(file, content), previous == null ? null : resource(file, previous)));
            serving.put(file, content);
            rejected.remove(file);
            errors.remove(file);
            meters.counter("imagegate.routes.reloads", "result", "success").increment();
            log.info("routes reloaded from {}", file);
        } catch (Exception e) {
            // The previous routes are back (or, for a file that never loaded, none).
            running.put(file, routeIds(file, previous));
            reject(file, content, e);
        }
    }

    private List<String> routeIds(Path file, byte[] content) {
        try {
            return content == null ? List.of() : swap.routeIds(resource(file, content));
        } catch (Exception e) {
            return List.of();
        }
    }

    private void reject(Path file, byte[] content, Exception e) {
        rejected.put(file, content);
        errors.put(file, file + ": " + e.getMessage() + "; keeping the routes it had");
        meters.counter("imagegate.routes.reloads", "result", "failure").increment();
        log.error("route file {} did not load, keeping its previous routes: {}", file, e.getMessage());
    }

    private static Resource resource(Path file, byte[] content) {
        return ResourceHelper.fromBytes("file:" + file.toAbsolutePath(), content);
    }

    private List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("."))
                    .filter(Files::isRegularFile).sorted().toList();
        }
    }
}
