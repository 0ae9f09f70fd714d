package dev.imagegate.alert;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The {@code imagegate.audit} logger that {@code routes/alerts.yaml} writes a JSON line per decision to. */
@Component("auditLog")
public class AuditLog {

    private static final Logger log = LoggerFactory.getLogger("imagegate.audit");

    /** False when the logger is off (its level above INFO): then no decision is marshalled for it. */
    public boolean isOn() {
        return log.isInfoEnabled();
    }
}
