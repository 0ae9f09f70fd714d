package dev.imagegate.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker pool grows with the reviews that wait, queues only past its bound, and never refuses a review. */
class ReviewWorkersTest {

    @Test
    void aThreadPerWaitingTaskUpToTheBoundThenTheRestWait() throws Exception {
        ThreadPoolExecutor workers = (ThreadPoolExecutor) new ReviewWorkers()
                .createExecutor(Executors.defaultThreadFactory(), 4, 4);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(4);
        AtomicInteger done = new AtomicInteger();
        try {
            for (int i = 0; i < 6; i++) {
                workers.execute(() -> {
                    started.countDown();
                    waitFor(release);
                    done.incrementAndGet();
                });
            }

            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(workers.getPoolSize()).isEqualTo(4);
            assertThat(workers.getQueue()).hasSize(2);

            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 6);
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void anIdleThreadTakesTheNextTaskInsteadOfANewOneStarting() throws Exception {
        ThreadPoolExecutor workers = (ThreadPoolExecutor) new ReviewWorkers()
                .createExecutor(Executors.defaultThreadFactory(), 200, 200);
        try {
            for (int i = 0; i < 50; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                workers.execute(ran::countDown);
                assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
                // The thread hands itself back to the queue right after its task; give it that moment.
                await().atMost(Duration.ofSeconds(10)).until(() -> workers.getActiveCount() == 0);
            }

            assertThat(workers.getLargestPoolSize()).as("one task at a time needs few threads, not one per task")
                    .isLessThanOrEqualTo(2);
        } finally {
            workers.shutdownNow();
        }
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
