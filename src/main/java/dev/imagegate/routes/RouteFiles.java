package dev.imagegate.routes;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Reloads a YAML route file of {@code imagegate.routes-dir} when its content changes: an in-place edit, a
 * rename over it, or a Kubernetes ConfigMap update (files are read through their symlinks). Only that file's
 * routes are replaced; the Java routes and the other files' routes keep running. An edit that does not load
 * (bad YAML, unknown endpoint) is reported in the log and by the {@code routes} health component, and the
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
        List<String> routeIds;
        try {
            routeIds = parse(file, content);
        } catch (Exception e) {
            reject(file, content, e);
            return;
        }
        try (QueueHandover handover = QueueHandover.begin(camel, routeIds, inFlightLimit())) {
            replace(file, content);
        }
    }

    /** How long a replaced route may take to finish the message in hand: Camel's own limit for stopping one. */
    private Duration inFlightLimit() {
        return Duration.of(camel.getShutdownStrategy().getTimeout(), camel.getShutdownStrategy().getTimeUnit().toChronoUnit());
    }

    private void replace(Path file, byte[] content) {
        try {
            PluginHelper.getRoutesLoader(camel).updateRoutes(List.of(resource(file, content)));
            serving.put(file, content);
            rejected.remove(file);
            errors.remove(file);
            meters.counter("imagegate.routes.reloads", "result", "success").increment();
            log.info("routes reloaded from {}", file);
        } catch (Exception e) {
            // Camel removed the file's routes before the new ones failed to start: put the old ones back
            // before the failure is reported, so nobody sees the health error while the routes are missing.
            restore(file);
            reject(file, content, e);
        }
    }

    /**
     * Reads the file into route definitions without touching the running routes, so YAML and DSL mistakes
     * (most edits that go wrong) never take the file's routes down, not even for a moment. Returns the ids of
     * the routes the file defines: loading it replaces the running routes with those ids.
     */
    private List<String> parse(Path file, byte[] content) throws Exception {
        List<String> routeIds = new ArrayList<>();
        for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel).findRoutesBuilders(resource(file, content))) {
            if (builder instanceof RouteBuilder routes) {
                routes.setCamelContext(camel);
                routes.configure();
                routes.getRouteCollection().getRoutes().forEach(route -> routeIds.add(route.getRouteId()));
            }
        }
        return routeIds;
    }

    private void reject(Path file, byte[] content, Exception e) {
        rejected.put(file, content);
        errors.put(file, file + ": " + e.getMessage() + "; keeping the routes it had");
        meters.counter("imagegate.routes.reloads", "result", "failure").increment();
        log.error("route file {} did not load, keeping its previous routes: {}", file, e.getMessage());
    }

    private void restore(Path file) {
        byte[] previous = serving.get(file);
        if (previous == null) {
            return;
        }
        try {
            PluginHelper.getRoutesLoader(camel).updateRoutes(List.of(resource(file, previous)));
        } catch (Exception e) {
            log.error("could not restore the previous routes of {}: {}", file, e.getMessage());
        }
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
