package dev.imagegate.server;

import dev.imagegate.support.ImageGateHttpTest;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.EventNotifier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Camel creates an event for every exchange, split part and step as soon as one event notifier wants them: a
 * tenth of a cached review's CPU. The application's notifiers want none.
 */
@ImageGateHttpTest
class ExchangeEventsHttpTest {

    @Autowired
    CamelContext camel;

    @Test
    void noEventNotifierWantsExchangeOrStepEvents() {
        assertThat(camel.getManagementStrategy().getEventNotifiers())
                .isNotEmpty()
                .allSatisfy(notifier -> assertThat(notifier)
                        .as(notifier.getClass().getName())
                        .matches(EventNotifier::isIgnoreExchangeEvents, "ignores exchange events")
                        .matches(EventNotifier::isIgnoreStepEvents, "ignores step events"));
    }
}
