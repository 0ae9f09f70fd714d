package dev.imagegate.review;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The threads camel-platform-http runs reviews on. A review waiting for its scans holds its thread until the
 * deadline, so the pool must grow to one thread per review in flight (bounded by {@link InFlightLimitFilter})
 * rather than queue reviews behind each other; idle threads go away again.
 */
@Configuration(proxyBeanMethods = false)
public class ReviewThreads {

    /** Room above the in-flight bound for threads still returning to the pool as their permit is released. */
    static final int HEADROOM = 32;

    @Bean(name = "applicationTaskExecutor")
    ThreadPoolTaskExecutor applicationTaskExecutor(ReviewProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setThreadNamePrefix("review-");
        executor.setCorePoolSize(8);
        executor.setMaxPoolSize(properties.maxInFlight() + HEADROOM);
        executor.setQueueCapacity(0);
        executor.setKeepAliveSeconds(60);
        return executor;
    }
}
