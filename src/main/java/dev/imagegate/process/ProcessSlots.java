package dev.imagegate.process;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of threads, each running one external process at a time (trivy, crane, cosign), and a bounded
 * queue: past it a task is rejected rather than left to pile up.
 */
public final class ProcessSlots {

    private ProcessSlots() {
    }

    public static ThreadPoolExecutor of(String threadName, int slots, int queueSize) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(slots, slots, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(Math.max(1, queueSize)),
                runnable -> {
                    Thread thread = new Thread(runnable, threadName + "-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
