package dev.imagegate.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** The audit trail as an operator's log collector gets it: every line of the {@code imagegate.audit} logger. */
public final class AuditLog extends AppenderBase<ILoggingEvent> {

    private final Queue<String> lines = new ConcurrentLinkedQueue<>();

    private AuditLog() {
    }

    /** Starts recording; attach after the application has started its logging, which resets appenders. */
    public static AuditLog record() {
        Logger logger = (Logger) LoggerFactory.getLogger("imagegate.audit");
        AuditLog log = new AuditLog();
        log.setContext(logger.getLoggerContext());
        log.start();
        logger.addAppender(log);
        return log;
    }

    /** The namespace of every decision written so far whose namespace starts with {@code prefix}, once per line. */
    public List<String> namespaces(String prefix) {
        return lines.stream().map(line -> ReviewClient.json(line).path("namespace").asText())
                .filter(namespace -> namespace.startsWith(prefix)).toList();
    }

    /** Every decision written so far in {@code namespace}, as parsed JSON. */
    public List<JsonNode> decisions(String namespace) {
        return lines.stream().map(ReviewClient::json).filter(line -> line.path("namespace").asText().equals(namespace)).toList();
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getFormattedMessage());
    }
}
