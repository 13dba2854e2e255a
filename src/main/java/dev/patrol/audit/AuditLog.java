package dev.patrol.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.registry.Connection;

/**
 * Structured audit events, one JSON object per line on the log category {@code patrol.audit}
 * (route it to its own handler or file). Events carry who, what, which connection and token name,
 * and the outcome, never a secret: the event type has no field that could hold one.
 */
@ApplicationScoped
public class AuditLog {

    public static final String CATEGORY = "patrol.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What happened. {@code account} is the id of the connection's Snowflake account (null for events about no single
     * connection); {@code tokenName} is the Snowflake token's name, never its secret.
     */
    public record Event(String action, String actor, String connection, String account, String user, String tokenName,
            String outcome, String detail) {

        /** An event about one connection: its name, account and user. */
        public static Event about(Connection c, String action, String actor, String tokenName, String outcome, String detail) {
            return new Event(action, actor, c.name(), c.account(), c.user(), tokenName, outcome, detail);
        }
    }

    private final Clock clock;

    public AuditLog(Clock clock) {
        this.clock = clock;
    }

    public void record(Event e) {
        LOG.info(format(clock.instant(), e));
    }

    static String format(Instant at, Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", at.toString());
        m.put("action", e.action());
        m.put("actor", e.actor());
        m.put("connection", e.connection());
        if (e.account() != null)
            m.put("account", e.account());
        if (e.user() != null)
            m.put("user", e.user());
        if (e.tokenName() != null)
            m.put("token_name", e.tokenName());
        m.put("outcome", e.outcome());
        if (e.detail() != null)
            m.put("detail", e.detail());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
