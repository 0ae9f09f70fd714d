package dev.imagegate.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.seda.BlockingQueueFactory;
import org.apache.camel.component.seda.SedaComponent;
import org.apache.camel.component.seda.SedaConsumer;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Hands the seda queues of routes being replaced from the old routes to the new ones, so a message sent in
 * between waits in its queue instead of failing or being lost.
 *
 * <p>Camel shares a queue among the endpoints that name it and drops it when the last of them shuts down,
 * which removing a file's routes does: the review route's copy to {@code seda:decisions} then fails with "No
 * queue available" and the decision never gets its audit line. An extra reference held here keeps each queue.
 * And a seda consumer stops gracefully only once its queue has been empty for a whole poll, which never happens
 * while reviews keep coming, so Camel would stop it by force after its shutdown timeout, possibly halfway through
 * a message: the old consumers are suspended first (they finish the message in hand and take no other), then
 * stopped at once.
 */
final class QueueHandover implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueHandover.class);
    private static final Duration STOP_AT_ONCE = Duration.ofMillis(100);

    private final List<SedaEndpoint> holders;

    private QueueHandover(List<SedaEndpoint> holders) {
        this.holders = holders;
    }

    /** Holds every queue, then quiets the seda consumers of the routes about to be replaced. */
    static QueueHandover begin(CamelContext camel, List<String> replacedRouteIds, Duration inFlightLimit) {
        if (camel.hasComponent("seda") == null) {
            return new QueueHandover(List.of());
        }
        SedaComponent seda = camel.getComponent("seda", SedaComponent.class);
        List<SedaEndpoint> holders = camel.getEndpoints().stream()
                .filter(SedaEndpoint.class::isInstance)
                .map(endpoint -> seda.getQueueKey(endpoint.getEndpointUri()))
                .distinct()
                .filter(key -> seda.getQueueReference(key) != null)
                .map(key -> holder(seda, key))
                .toList();
        List<Route> consumers = replacedRouteIds.stream().map(camel::getRoute).filter(Objects::nonNull)
                .filter(route -> route.getConsumer() instanceof SedaConsumer).toList();
        consumers.forEach(route -> ServiceHelper.suspendService(route.getConsumer()));
        awaitInFlight(camel, consumers, inFlightLimit);
        consumers.forEach(route -> stopAtOnce(camel, route));
        return new QueueHandover(holders);
    }

    /**
     * Camel would wait for the queue to empty before stopping its consumer, which a suspended consumer never
     * does: the queue fills meanwhile (seda:decisions drops what does not fit). It has nothing in hand and its
     * queue is kept, so there is nothing to wait for.
     */
    private static void stopAtOnce(CamelContext camel, Route route) {
        try {
            camel.getRouteController().stopRoute(route.getRouteId(), STOP_AT_ONCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("could not stop route {} before replacing it: {}", route.getRouteId(), e.getMessage());
        }
    }

    private static SedaEndpoint holder(SedaComponent seda, String key) {
        SedaEndpoint holder = new SedaEndpoint(key, seda, (BlockingQueueFactory<Exchange>) null, 1);
        seda.getOrCreateQueue(holder, null, null, null);
        return holder;
    }

    private static void awaitInFlight(CamelContext camel, List<Route> routes, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Route route : routes) {
            while (camel.getInflightRepository().size(route.getRouteId()) > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            int abandoned = camel.getInflightRepository().size(route.getRouteId());
            if (abandoned > 0) {
                log.warn("route {} still had {} message(s) in hand after {}; replacing it anyway", route.getRouteId(),
                        abandoned, limit);
            }
        }
    }

    /** Lets go of the queues: one no route uses any more is dropped, as Camel would have. */
    @Override
    public void close() {
        holders.forEach(SedaEndpoint::shutdown);
    }
}
