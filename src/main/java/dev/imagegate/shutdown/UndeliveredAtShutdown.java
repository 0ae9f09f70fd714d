package dev.imagegate.shutdown;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaComponent;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Says what a shutdown left undelivered. Camel gives the queues (decisions, then each alert sink's) until
 * {@code camel.main.shutdown-timeout} after the reviews in flight are answered, then stops their routes by force:
 * whatever is still queued is dropped. Each queue's count is logged and added to
 * {@code imagegate.shutdown.dropped}. (An alert in hand at that moment, e.g. to a sink that hangs, fails when the
 * sink's own timeout ends, and Camel logs it; or the process exits at {@link ShutdownDeadline} first.)
 */
@Component
public class UndeliveredAtShutdown extends EventNotifierSupport {

    private static final Logger log = LoggerFactory.getLogger(UndeliveredAtShutdown.class);

    private final MeterRegistry meters;
    /** The queues as the routes start stopping: Camel forgets them once the routes are gone. */
    private final Map<String, BlockingQueue<Exchange>> queues = new ConcurrentSkipListMap<>();
    private final AtomicBoolean reported = new AtomicBoolean();

    public UndeliveredAtShutdown(MeterRegistry meters) {
        this.meters = meters;
        // Only the context's stopping events matter. Without these, Camel makes and offers this notifier four
        // events per exchange on the review path (2 % of its CPU under load, by JFR).
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextRoutesStoppingEvent
                || event instanceof CamelEvent.CamelContextRoutesStoppedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.CamelContextRoutesStoppingEvent stopping) {
            remember(stopping.getContext());
        } else {
            report();
        }
    }

    /** Logs and counts what is still queued; once, whoever asks first. */
    public void report() {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        List<String> dropped = new ArrayList<>();
        queues.forEach((queue, messages) -> {
            int left = messages.size();
            if (left > 0) {
                dropped.add(left + " on " + queue);
                meters.counter("imagegate.shutdown.dropped", "queue", queue).increment(left);
            }
        });
        if (dropped.isEmpty()) {
            log.info("shutdown: every queued decision and alert went out");
        } else {
            log.warn("shutdown: dropped what the queues could not deliver within camel.main.shutdown-timeout: {}",
                    String.join(", ", dropped));
        }
    }

    private void remember(CamelContext camel) {
        if (camel.hasComponent("seda") instanceof SedaComponent seda) {
            seda.getQueues().forEach((key, queue) -> queues.put(queueName(key), queue.getQueue()));
        }
    }

    /** "seda://alert-webhook" is the queue "alert-webhook". */
    private static String queueName(String key) {
        return key.substring(key.indexOf(':') + 1).replaceFirst("^//", "");
    }
}
