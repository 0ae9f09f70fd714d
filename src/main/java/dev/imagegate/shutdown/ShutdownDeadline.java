package dev.imagegate.shutdown;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Ends the process {@code imagegate.shutdown.limit} after shutdown began, should it still be running. Every step
 * has its own bound (the review deadline, {@code camel.main.shutdown-timeout}), but when Camel 4.17 stops a queue's
 * consumer by force it waits, without a limit, for the message in hand (later Camel versions bound this): an alert
 * to a sink that accepts and never answers then holds the exit until the sink's own timeout, past the pod's grace
 * period, and Kubernetes' SIGKILL would leave no word of what was dropped. Registered by the application's main
 * method only: test contexts closing with the test JVM are not the process's to end.
 */
public class ShutdownDeadline implements ApplicationListener<ContextClosedEvent> {

    private static final Logger log = LoggerFactory.getLogger(ShutdownDeadline.class);

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        ApplicationContext context = event.getApplicationContext();
        if (context.getParent() != null) {
            return; // the management server's child context closes inside the application's
        }
        ShutdownProperties properties = Binder.get(context.getEnvironment()).bindOrCreate("imagegate.shutdown", ShutdownProperties.class);
        UndeliveredAtShutdown undelivered = context.getBeanProvider(UndeliveredAtShutdown.class).getIfAvailable();
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(properties.limit().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            log.error("shutdown: still running {} after it began (a sink holding an alert in hand?); exiting now",
                    properties.limit());
            if (undelivered != null) {
                undelivered.report();
            }
            Runtime.getRuntime().halt(1);
        }, "shutdown-deadline");
        deadline.setDaemon(true);
        deadline.start();
    }
}
