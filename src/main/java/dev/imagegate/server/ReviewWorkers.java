package dev.imagegate.server;

import io.vertx.core.spi.ExecutorServiceFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x worker threads where a review that waited for its scans is decided and answered. When a scan many
 * reviews waited for finishes, they all continue at once, so the pool grows to one thread per such review
 * (bounded by {@link InFlightLimit}) instead of queueing them behind each other; idle threads go away.
 * Vert.x's own fixed pool would also keep every thread it ever started: it starts a new one per task until full.
 */
final class ReviewWorkers implements ExecutorServiceFactory {

    private static final long IDLE_SECONDS = 60;

    @Override
    public ExecutorService createExecutor(ThreadFactory threadFactory, Integer concurrency, Integer maxConcurrency) {
        HandOffQueue queue = new HandOffQueue();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, maxConcurrency, IDLE_SECONDS, TimeUnit.SECONDS, queue,
                threadFactory, (task, full) -> queue.add(task));
        queue.executor = executor;
        return executor;
    }

    /**
     * Hands a task to an idle thread if there is one; otherwise refuses it, so that the executor starts a new
     * thread, and only once the pool is full does the task wait in the queue.
     */
    private static final class HandOffQueue extends LinkedTransferQueue<Runnable> {

        private volatile ThreadPoolExecutor executor;

        @Override
        public boolean offer(Runnable task) {
            return tryTransfer(task) || executor.getPoolSize() >= executor.getMaximumPoolSize() && super.offer(task);
        }
    }
}
