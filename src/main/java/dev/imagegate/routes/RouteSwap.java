package dev.imagegate.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.RouteConfigurationsBuilder;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Replaces the running routes of one route file with the routes the file defines now, while they serve: a
 * {@code platform-http:} path is never unbound, and a message already inside an old route finishes there.
 *
 * <p>Camel's own reload ({@code RoutesLoader.updateRoutes}, which its route watcher uses too) stops each route,
 * removes it, then adds the new one under the same id. Stopping a platform-http route suspends its consumer, which
 * answers 503 while the requests inside finish, then unbinds its path, which answers 404 until the new route has
 * started; a route id names one route at a time, so the new one cannot start first. Instead:
 * <ol>
 *   <li>each new route that can serve beside its predecessor starts under a standby id: an HTTP route, which Vert.x
 *       puts after the old one (a path is served by the first of its routes, in the order they were added);</li>
 *   <li>the old HTTP routes are disabled in Vert.x, so their standbys answer from then on, and go once the requests
 *       inside are answered; the file's HTTP routes start under their own ids, after their standbys;</li>
 *   <li>the other old routes go one at a time, entry routes (seda, timers) before the direct routes they call and
 *       callers before callees, so nothing waits on a route already quiet: each one's consumer is suspended, the
 *       route removed once the messages inside have finished, and its successor started at once;</li>
 *   <li>the standbys go, as the old HTTP routes did.</li>
 * </ol>
 * Meanwhile a message sent to a direct route being replaced waits for the new one (a direct endpoint waits for
 * its consumer) and one sent to a seda queue waits in its queue ({@link QueueHandover}). A route that calls another
 * route of the file through {@code direct:} meets whichever one is running at that moment.
 */
final class RouteSwap {

    private static final Logger log = LoggerFactory.getLogger(RouteSwap.class);
    static final String STANDBY = "-standby";
    /**
     * A request Vert.x matched to a path just before it was unbound reaches the old route only once its body has
     * been read and a worker thread has taken it (the route counts it in flight from then on), which on a busy
     * machine takes a while; the old route must still be running then. The API server sends a review's body with
     * its headers.
     */
    private static final ObjectMapper YAML = new YAMLMapper();
    static final Duration UNBIND_GRACE = Duration.ofSeconds(1);
    /**
     * A message a consumer took just before it was suspended (a seda consumer's poll, a direct caller that had
     * already found the consumer) enters the route's in-flight count a moment later; the route must still be
     * running then.
     */
    static final Duration HANDOVER_GRACE = Duration.ofMillis(200);
    /** kube-apiserver waits at most 30 s for an answer: no review inside a replaced route takes longer. */
    static final Duration REQUEST_DRAIN_LIMIT = Duration.ofSeconds(30);
    private static final long STOP_AT_ONCE_MILLIS = 100;

    private final CamelContext camel;

    RouteSwap(CamelContext camel) {
        this.camel = camel;
    }

    /**
     * Replaces the routes with ids {@code current} by the routes of {@code next} and returns the ids now running.
     * If {@code next} does not start, the routes of {@code previous} (if any) are loaded back before the failure
     * is thrown.
     */
    List<String> replace(List<String> current, Resource next, Resource previous) throws Exception {
        List<String> standbys = startStandbys(next, previous);
        try {
            List<String> nextIds = routeIds(next);
            try {
                // One route at a time, so that each consumer (a sink's queue, say) is without a reader only
                // while its own messages finish.
                List<Route> order = retirementOrder(current);
                List<Route> http = order.stream().filter(RouteSwap::takesRequests).toList();
                retireTogether(http);
                start(next, http.stream().map(Route::getRouteId).filter(nextIds::contains).toList());
                Set<String> unchanged = unchanged(next, previous);
                for (Route route : order.stream().filter(route -> !takesRequests(route)).toList()) {
                    if (unchanged.contains(route.getRouteId())) {
                        continue;
                    }
                    retire(route);
                    if (nextIds.contains(route.getRouteId())) {
                        start(next, List.of(route.getRouteId()));
                    }
                }
                start(next, nextIds.stream().filter(id -> camel.getRoute(id) == null).toList());
                return nextIds;
            } catch (Exception e) {
                // Some of the file's routes may have started: the previous ones take their places (the standbys
                // still serve the HTTP paths meanwhile).
                retire(nextIds);
                if (previous != null) {
                    PluginHelper.getRoutesLoader(camel).updateRoutes(List.of(previous));
                }
                throw e;
            }
        } finally {
            retire(standbys);
        }
    }

    /**
     * The routes taking no requests that the new file writes exactly as the old one did, beside the same route
     * configurations: they keep running as they are. Replacing a direct route makes its callers wait for the new
     * one, and the HTTP routes that call it are mid-swap then; what did not change need not be replaced at all.
     */
    static Set<String> unchanged(Resource next, Resource previous) {
        if (previous == null) {
            return Set.of();
        }
        try {
            Map<String, JsonNode> before = routesById(previous);
            Map<String, JsonNode> after = routesById(next);
            if (!Objects.equals(before.get(""), after.get(""))) {
                return Set.of();
            }
            return after.entrySet().stream()
                    .filter(route -> !route.getKey().isEmpty() && route.getValue().equals(before.get(route.getKey())))
                    .filter(route -> !route.getValue().at("/from/uri").asText().startsWith("platform-http"))
                    .map(Map.Entry::getKey).collect(Collectors.toSet());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** Each route of a YAML route file by id, and under "" everything else in it (route configurations, beans). */
    private static Map<String, JsonNode> routesById(Resource resource) throws IOException {
        Map<String, JsonNode> routes = new HashMap<>();
        List<JsonNode> others = new ArrayList<>();
        try (InputStream in = resource.getInputStream()) {
            JsonNode items = YAML.readTree(in);
            for (JsonNode item : items == null ? List.<JsonNode>of() : items) {
                JsonNode route = item.get("route");
                if (route != null && route.hasNonNull("id")) {
                    routes.put(route.get("id").asText(), route);
                } else {
                    others.add(item);
                }
            }
        }
        routes.put("", YAML.valueToTree(others));
        return routes;
    }

    /** Starts the routes of the file with these ids (the file's route configurations are in place). */
    private void start(Resource resource, List<String> ids) throws Exception {
        if (ids.isEmpty()) {
            return;
        }
        for (RouteBuilder builder : builders(resource)) {
            builder.configureRoutes(camel).getRoutes().removeIf(route -> !ids.contains(route.getRouteId()));
            builder.updateRoutesToCamelContext(camel);
        }
    }

    /** The ids of the routes a file defines, read without touching the running routes. */
    List<String> routeIds(Resource resource) throws Exception {
        return definitions(resource).stream().map(RouteDefinition::getRouteId).toList();
    }

    private List<RouteDefinition> definitions(Resource resource) throws Exception {
        List<RouteDefinition> routes = new ArrayList<>();
        for (RouteBuilder builder : builders(resource)) {
            routes.addAll(builder.configureRoutes(camel).getRoutes());
        }
        return routes;
    }

    private List<RouteBuilder> builders(Resource resource) throws Exception {
        List<RouteBuilder> builders = new ArrayList<>();
        for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel).findRoutesBuilders(List.of(resource))) {
            if (builder instanceof RouteBuilder routes) {
                routes.setCamelContext(camel);
                builders.add(routes);
            }
        }
        return builders;
    }

    /**
     * Starts the file's HTTP routes under standby ids, with the file's route configurations (error handling),
     * which only routes built from now on use. If one does not start, the previous configurations are put back.
     */
    private List<String> startStandbys(Resource next, Resource previous) throws Exception {
        List<String> started = new ArrayList<>();
        try {
            for (RouteBuilder builder : builders(next)) {
                if (builder instanceof RouteConfigurationsBuilder configurations) {
                    configurations.updateRouteConfigurationsToCamelContext(camel);
                }
                List<RouteDefinition> routes = builder.configureRoutes(camel).getRoutes();
                routes.removeIf(route -> !takesRequests(route));
                routes.forEach(route -> route.setId(route.getRouteId() + STANDBY));
                routes.forEach(route -> route.getInput().setUri(standbyUri(route.getInput().getEndpointUri())));
                routes.forEach(route -> started.add(route.getRouteId()));
                builder.updateRoutesToCamelContext(camel);
            }
            return started;
        } catch (Exception e) {
            retire(started);
            for (RouteBuilder builder : previous == null ? List.<RouteBuilder>of() : builders(previous)) {
                if (builder instanceof RouteConfigurationsBuilder configurations) {
                    configurations.updateRouteConfigurationsToCamelContext(camel);
                }
            }
            throw e;
        }
    }

    /** Takes the routes away, each after the messages inside it have finished (see the class comment). */
    void retire(List<String> ids) {
        List<Route> order = retirementOrder(ids);
        retireTogether(order.stream().filter(RouteSwap::takesRequests).toList());
        order.stream().filter(route -> !takesRequests(route)).forEach(this::retire);
        // A route that never started (one of a file that did not load) still has its definition.
        ids.forEach(this::removeDefinition);
    }

    /** HTTP routes first (their successors take over at once), then entry routes, then direct routes, callers first. */
    private List<Route> retirementOrder(List<String> ids) {
        List<Route> routes = ids.stream().map(camel::getRoute).filter(Objects::nonNull).toList();
        List<Route> http = routes.stream().filter(RouteSwap::takesRequests).toList();
        List<Route> direct = routes.stream().filter(route -> directKey(route.getEndpoint().getEndpointUri()) != null).toList();
        List<Route> ordered = new ArrayList<>(http);
        routes.stream().filter(route -> !http.contains(route) && !direct.contains(route)).forEach(ordered::add);
        ordered.addAll(callersFirst(direct));
        return ordered;
    }

    /**
     * Unbinds the HTTP routes' paths, so that the route added after each for its path (a standby, or the route a
     * standby stood in for) answers from now on, then removes them once their requests are answered.
     */
    private void retireTogether(List<Route> http) {
        if (http.isEmpty()) {
            return;
        }
        for (Route route : http) {
            if (!unbind(route)) {
                // Not found in a Vert.x router: stopping the consumer unbinds the path, and ends what is inside.
                ServiceHelper.stopService(route.getConsumer());
            }
        }
        pause(UNBIND_GRACE);
        for (Route route : http) {
            remove(route, REQUEST_DRAIN_LIMIT);
            removeDefinition(route.getRouteId());
        }
    }

    /**
     * Disables the route's own Vert.x route, so that the route added after it for its path (a standby, or the
     * route a standby stood in for) answers from now on. The consumer keeps running, so the requests already
     * handed to it are answered: stopping a consumer would stop its route's processors too. Camel keeps the
     * consumer's Vert.x route private; going by position in the router instead picked the wrong one of three when a
     * path had a disabled route still listed, and the standby then went on taking requests while it was stopped.
     */
    private static boolean unbind(Route route) {
        if (!(route.getConsumer() instanceof VertxPlatformHttpConsumer consumer)) {
            return false;
        }
        try {
            Field field = VertxPlatformHttpConsumer.class.getDeclaredField("route");
            field.setAccessible(true);
            if (field.get(consumer) instanceof io.vertx.ext.web.Route served) {
                served.disable();
                return true;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("could not take route {} out of the HTTP router: {}", route.getRouteId(), e.getMessage());
        }
        return false;
    }

    private void retire(Route route) {
        ServiceHelper.suspendService(route.getConsumer());
        pause(HANDOVER_GRACE);
        remove(route, messageDrainLimit());
        removeDefinition(route.getRouteId());
    }

    private static boolean takesRequests(Route route) {
        return route.getConsumer() instanceof PlatformHttpConsumer;
    }

    /**
     * How long a replaced route that takes no requests may take to finish the message in hand (an alert sink's
     * retries, say): Camel's own limit for stopping one.
     */
    private Duration messageDrainLimit() {
        return Duration.of(camel.getShutdownStrategy().getTimeout(), camel.getShutdownStrategy().getTimeUnit().toChronoUnit());
    }

    private void remove(Route route, Duration drainLimit) {
        String id = route.getRouteId();
        awaitInFlight(id, drainLimit);
        try {
            // Nothing is inside any more and its consumer takes nothing: Camel need not wait for its queue to empty.
            camel.getRouteController().stopRoute(id, STOP_AT_ONCE_MILLIS, TimeUnit.MILLISECONDS);
            camel.removeRoute(id);
        } catch (Exception e) {
            log.warn("could not remove route {}: {}", id, e.getMessage());
        }
    }

    private void removeDefinition(String id) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        RouteDefinition definition = model.getRouteDefinition(id);
        if (definition != null && camel.getRoute(id) == null) {
            try {
                model.removeRouteDefinition(definition);
            } catch (Exception e) {
                log.warn("could not remove the definition of route {}: {}", id, e.getMessage());
            }
        }
    }

    private void awaitInFlight(String routeId, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (camel.getInflightRepository().size(routeId) > 0 && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(10));
        }
        int abandoned = camel.getInflightRepository().size(routeId);
        if (abandoned > 0) {
            log.warn("route {} still had {} message(s) inside after {}; replacing it anyway", routeId, abandoned, limit);
        }
    }

    /**
     * Orders direct routes so that a route is quieted only once no other of them can still call it: a message
     * inside a caller would otherwise wait for a callee that no longer takes messages.
     */
    private List<Route> callersFirst(List<Route> direct) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        List<Route> remaining = new ArrayList<>(direct);
        List<Route> ordered = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Route next = remaining.stream()
                    .filter(route -> remaining.stream().noneMatch(caller -> caller != route
                            && calls(model.getRouteDefinition(caller.getRouteId())).contains(directKey(route.getEndpoint().getEndpointUri()))))
                    .findFirst().orElse(remaining.get(0));
            remaining.remove(next);
            ordered.add(next);
        }
        return ordered;
    }

    private static Set<String> calls(RouteDefinition route) {
        if (route == null) {
            return Set.of();
        }
        Stream<String> sent = ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), SendDefinition.class).stream()
                .map(SendDefinition::getEndpointUri);
        Stream<String> sentDynamically = ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ToDynamicDefinition.class)
                .stream().map(ToDynamicDefinition::getUri);
        Set<String> keys = new LinkedHashSet<>();
        Stream.concat(sent, sentDynamically).map(RouteSwap::directKey).filter(Objects::nonNull).forEach(keys::add);
        return keys;
    }

    /** The name a {@code direct:} URI sends to or consumes from; null for any other URI. */
    static String directKey(String uri) {
        if (uri == null || !uri.startsWith("direct:")) {
            return null;
        }
        String key = uri.substring("direct:".length());
        key = key.startsWith("//") ? key.substring(2) : key;
        int query = key.indexOf('?');
        return query < 0 ? key : key.substring(0, query);
    }

    /**
     * Camel starts no second route on an endpoint that takes one consumer (platform-http's), and tells endpoints
     * apart by URI: a consumer option set to its default makes the standby's URI another, serving the same.
     */
    static String standbyUri(String uri) {
        String option = uri.contains("bridgeErrorHandler=") ? "lazyStartProducer=false" : "bridgeErrorHandler=false";
        return uri + (uri.contains("?") ? "&" : "?") + option;
    }

    private static boolean takesRequests(RouteDefinition route) {
        return route.getInput() != null && route.getInput().getEndpointUri() != null
                && route.getInput().getEndpointUri().startsWith("platform-http:");
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
