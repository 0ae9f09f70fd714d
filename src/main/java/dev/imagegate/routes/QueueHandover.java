package dev.imagegate.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.BlockingQueueFactory;
import org.apache.camel.component.seda.SedaComponent;
import org.apache.camel.component.seda.SedaEndpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the seda queues while routes are replaced, so a message sent in between waits in its queue for the new
 * consumer instead of failing or being lost.
 *
 * <p>Camel shares a queue among the endpoints that name it and drops it when the last of them shuts down,
 * which removing a file's routes does: the review route's copy to {@code seda:decisions} then fails with "No
 * queue available" and the decision never gets its audit line, and an endpoint that kept the dropped queue (one
 * looked up to see whether a sink's queue has room) goes on looking at a queue nobody reads. A reference held
 * here keeps each queue for as long as ImageGate runs; a queue no route uses any more stays, empty.
 */
final class QueueHandover {

    private final Map<String, SedaEndpoint> holders = new ConcurrentHashMap<>();

    /** Holds every seda queue there is now. */
    void hold(CamelContext camel) {
        if (camel.hasComponent("seda") == null) {
            return;
        }
        SedaComponent seda = camel.getComponent("seda", SedaComponent.class);
        camel.getEndpoints().stream()
                .filter(SedaEndpoint.class::isInstance)
                .map(endpoint -> seda.getQueueKey(endpoint.getEndpointUri()))
                .distinct()
                .filter(key -> seda.getQueueReference(key) != null)
                .forEach(key -> holders.computeIfAbsent(key, held -> holder(seda, held)));
    }

    private static SedaEndpoint holder(SedaComponent seda, String key) {
        SedaEndpoint holder = new SedaEndpoint(key, seda, (BlockingQueueFactory<Exchange>) null, 1);
        seda.getOrCreateQueue(holder, null, null, null);
        return holder;
    }
}
