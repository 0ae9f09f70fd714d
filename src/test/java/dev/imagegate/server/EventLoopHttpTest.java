package dev.imagegate.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.imagegate.review.Decision;
import dev.imagegate.support.ImageGateHttpTest;
import dev.imagegate.support.ReviewClient;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The review routes run on the Vert.x event loop that read the request: a review decided without waiting is
 * judged and answered there, one that waits for a scan continues on a review worker, and nothing they do makes
 * the event loop wait, as Vert.x's blocked-thread checker, set to 50 ms and reporting the stack of each hold, sees
 * under a mixed load. On a shared two-core machine the checker also reports a busy event loop that was merely
 * descheduled or paused for a collection for that long; what it must never report is the event loop waiting:
 * parked, asleep, in a monitor, in blocking I/O or starting a process.
 */
@ImageGateHttpTest
@TestPropertySource(properties = {
        "imagegate.review.max-event-loop-time=50ms",
        "imagegate.scan.max-concurrent=8"})
class EventLoopHttpTest {

    private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

    @Autowired
    ReviewClient client;
    @Autowired
    CamelContext camel;

    final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    /** The thread each review's judging route ended on, by namespace. */
    final Map<String, String> decidedOn = new ConcurrentHashMap<>();

    @BeforeEach
    void watch() throws Exception {
        warnings.start();
        ((Logger) LoggerFactory.getLogger(CHECKER)).addAppender(warnings);
        AdviceWith.adviceWith(camel, "judge-images", route -> route.weaveAddLast().process(exchange -> {
            Decision decision = exchange.getMessage().getBody(Decision.class);
            decidedOn.put(decision.namespace(), Thread.currentThread().getName());
        }));
    }

    @AfterEach
    void stopWatching() {
        ((Logger) LoggerFactory.getLogger(CHECKER)).detachAppender(warnings);
    }

    @Test
    void aCachedReviewIsDecidedOnTheEventLoopAndOneThatWaitsForAScanOnAReviewWorker() {
        client.post(ReviewClient.imageReview("warm", "registry.test/eventloop/clean:1"));

        assertThat(client.post(ReviewClient.imageReview("cached", "registry.test/eventloop/clean:1")).statusCode()).isEqualTo(200);
        assertThat(client.post(ReviewClient.imageReview("ruled", "not a reference")).statusCode()).isEqualTo(200);
        assertThat(client.post(ReviewClient.imageReview("waiting", "registry.test/delay-0.3/eventloop/clean:1")).statusCode())
                .isEqualTo(200);

        assertThat(decidedOn.get("cached")).startsWith("vert.x-eventloop-thread-");
        assertThat(decidedOn.get("ruled")).startsWith("vert.x-eventloop-thread-");
        assertThat(decidedOn.get("waiting")).startsWith("vert.x-worker-thread-");
    }

    @Test
    void nothingHoldsTheEventLoopUnderMixedLoadWhileTheCheckerSeesAStepThatDoes() throws Exception {
        client.post(ReviewClient.imageReview("warm", "registry.test/eventloop/clean:1", "registry.test/eventloop/vulnerable:1"));
        AtomicInteger sequence = new AtomicInteger();
        // Cached, cached and invalid, a new digest to scan, a new tag to look up and scan: in turn.
        IntFunction<String> review = caller -> switch (sequence.incrementAndGet() % 6) {
            case 0, 1 -> ReviewClient.imageReview("mixed", "registry.test/eventloop/clean:1", "registry.test/eventloop/vulnerable:1");
            case 2, 3 -> ReviewClient.imageReview("mixed", "registry.test/eventloop/clean:1", "NOT VALID");
            case 4 -> ReviewClient.imageReview("mixed", "registry.test/delay-0.1/eventloop/new-" + sequence.get() + "/clean:1");
            default -> ReviewClient.imageReview("mixed", "registry.test/eventloop/tag-" + sequence.get() + ":1");
        };

        // The first of each kind loads classes and links call sites, on the event loop as anywhere else.
        load(8, Duration.ofSeconds(3), review);
        warnings.list.clear();

        List<Integer> statuses = load(8, Duration.ofSeconds(5), review);

        assertThat(statuses).hasSizeGreaterThan(100).containsOnly(200);
        assertThat(warnings.list).as("holds of the event loop that were waits").noneMatch(EventLoopHttpTest::waited);

        // The control: a step that sleeps on the event loop is seen by the same watch.
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/test/holds-the-event-loop").routeId("holds-the-event-loop")
                        .process(exchange -> Thread.sleep(300)).setBody(constant("{}"));
            }
        });
        client.send(client.request("/test/holds-the-event-loop").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(warnings.list).anyMatch(EventLoopHttpTest::waited));
        camel.getRouteController().stopRoute("holds-the-event-loop");
        camel.removeRoute("holds-the-event-loop");
    }

    /** True for a hold whose stack shows the event loop waiting rather than working. */
    static boolean waited(ILoggingEvent hold) {
        IThrowableProxy stack = hold.getThrowableProxy();
        if (stack == null || stack.getStackTraceElementProxyArray().length == 0) {
            return false;
        }
        StackTraceElement top = stack.getStackTraceElementProxyArray()[0].getStackTraceElement();
        String frame = top.getClassName() + "." + top.getMethodName();
        return WAITS.contains(frame) || frame.startsWith("java.lang.ProcessImpl.") || frame.startsWith("java.net.");
    }

    /**
     * Where a waiting thread's stack ends. Not the non-blocking socket calls Netty makes (sun.nio.ch's read, writev,
     * EPoll.wait), which a descheduled event loop may be caught in; a blocking socket waits in Net.poll.
     */
    private static final Set<String> WAITS = Set.of("jdk.internal.misc.Unsafe.park", "java.lang.Thread.sleep",
            "java.lang.Object.wait", "sun.nio.ch.Net.poll", "java.io.FileInputStream.readBytes",
            "java.io.FileOutputStream.writeBytes");

    private List<Integer> load(int callers, Duration duration, IntFunction<String> review) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        long end = System.nanoTime() + duration.toNanos();
        try {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                int id = caller;
                results.add(pool.submit(() -> {
                    List<Integer> statuses = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        HttpResponse<String> answer = client.post(review.apply(id));
                        statuses.add(answer.statusCode());
                    }
                    return statuses;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (Future<List<Integer>> result : results) {
                all.addAll(result.get(duration.toSeconds() + 30, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}
