package dev.imagegate.alert;

import dev.imagegate.support.AuditLog;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.Metrics;
import dev.imagegate.support.ReviewClient;
import dev.imagegate.support.SilentServer;
import org.apache.camel.CamelContext;
import org.apache.camel.component.seda.SedaEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A burst of denied reviews across many namespaces, each a distinct alert, while the webhook sink accepts and
 * never answers: every review is answered and audited, the sink's queue stays at its bound, every alert it could
 * not take is counted, and neither the heap nor the metrics grow with the number of namespaces.
 */
@ImageGateHttpTest
@TestPropertySource(properties = {
        // The application's default: thousands of reviews on a loaded machine stay clear of the 503 past the deadline.
        "imagegate.review.deadline=20s",
        "imagegate.alerts.webhook.enabled=true",
        "camel.component.http.response-timeout=600000",
        "camel.component.http.so-timeout=600000"})
class AlertBurstHttpTest {

    static final int BURST = 1500;
    static final int CALLERS = 8;
    static final int SINK_QUEUE = 100;
    static final SilentServer sink = SilentServer.start();

    @DynamicPropertySource
    static void silentSink(DynamicPropertyRegistry registry) {
        registry.add("imagegate.alerts.webhook.url", () -> "http://127.0.0.1:" + sink.port() + "/hooks/imagegate");
    }

    @AfterAll
    static void stopSink() {
        sink.close();
    }

    @Autowired
    ReviewClient client;

    @Autowired
    CamelContext camel;

    final AtomicInteger sequence = new AtomicInteger();

    @Test
    void queuesStayBoundedDropsAreCountedAndMemoryStaysFlat() throws Exception {
        AuditLog audit = AuditLog.record();
        Metrics metrics = new Metrics(client);
        SedaEndpoint webhookQueue = camel.getEndpoint("seda:alert-webhook", SedaEndpoint.class);

        burst();
        await().atMost(Duration.ofSeconds(60)).until(() -> audit.namespaces("burst-").size() == BURST);
        long heapAfterFirst = liveHeap();
        int seriesAfterFirst = imageGateSeries(metrics);
        assertThat(webhookQueue.getQueue().size()).isEqualTo(SINK_QUEUE);
        // One alert in hand at the silent sink, a full queue, the rest turned away and counted.
        assertThat(metrics.value("imagegate_alerts_dropped_total{sink=\"webhook\"}")).isEqualTo(BURST - SINK_QUEUE - 1);

        burst();
        await().atMost(Duration.ofSeconds(60)).until(() -> audit.namespaces("burst-").size() == 2 * BURST);
        long heapAfterSecond = liveHeap();
        int seriesAfterSecond = imageGateSeries(metrics);

        assertThat(webhookQueue.getQueue().size()).isEqualTo(SINK_QUEUE);
        assertThat(metrics.value("imagegate_alerts_dropped_total{sink=\"webhook\"}")).isEqualTo(2 * BURST - SINK_QUEUE - 1);
        assertThat(seriesAfterSecond).as("ImageGate's metric series").isEqualTo(seriesAfterFirst);
        assertThat(metrics.scrape()).as("no series per namespace").doesNotContain("burst-");
        System.out.printf("AlertBurstHttpTest: live heap %d MB after %d reviews, %d MB after %d%n",
                heapAfterFirst >> 20, BURST, heapAfterSecond >> 20, 2 * BURST);
        assertThat(heapAfterSecond - heapAfterFirst).as("live heap growth over %d more namespaces", BURST)
                .isLessThan(16L << 20);
    }

    private void burst() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            Future<?>[] sent = new Future<?>[BURST];
            for (int i = 0; i < BURST; i++) {
                String namespace = "burst-" + sequence.incrementAndGet();
                sent[i] = callers.submit(() -> assertThat(client.post(
                        ReviewClient.imageReview(namespace, "registry.test/burst/vulnerable:1")).statusCode()).isEqualTo(200));
            }
            for (Future<?> review : sent) {
                review.get();
            }
        } finally {
            callers.shutdown();
        }
    }

    private static int imageGateSeries(Metrics metrics) {
        return (int) metrics.scrape().lines().filter(line -> line.startsWith("imagegate_")).count();
    }

    /** The heap in use once garbage is collected: what the application holds on to. */
    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
