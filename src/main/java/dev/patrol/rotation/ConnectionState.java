package dev.patrol.rotation;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.patrol.vault.SecretStore;

/**
 * A connection's state document in Vault ({@code <kv-mount>/data/<path-prefix>-state/<connection>}),
 * always written with check-and-set: suspension by incident response, a guardrail's refusal, and
 * the intent of a change in flight, and who last lifted a suspension. {@code version} is the Vault version it was read at (0:
 * none yet).
 */
public record ConnectionState(long version, Suspension suspension, Blocked blocked, Resumption resumed,
        Optional<Intent> intent) {

    public record Suspension(String reason, String by, Instant at) {
    }

    public record Blocked(String reason, Instant at) {
    }

    /** Who lifted the last suspension, and when (kept for the connection's history). */
    public record Resumption(String by, Instant at) {
    }

    /** The document's keys, as Vault holds them (the history reads past versions by them). */
    public static final String SUSPENDED = "suspended", SUSPENDED_REASON = "suspended_reason", SUSPENDED_BY = "suspended_by",
            SUSPENDED_AT = "suspended_at", BLOCKED_REASON = "blocked_reason", BLOCKED_AT = "blocked_at",
            RESUMED_BY = "resumed_by",
            RESUMED_AT = "resumed_at";

    public static final ConnectionState NONE = new ConnectionState(0, null, null, null, Optional.empty());

    public boolean suspended() {
        return suspension != null;
    }

    public ConnectionState withSuspension(Suspension s) {
        return new ConnectionState(version, s, blocked, resumed, intent);
    }

    /** The suspension lifted by {@code by} at {@code at}. */
    public ConnectionState resumedBy(String by, Instant at) {
        return new ConnectionState(version, null, blocked, new Resumption(by, at), intent);
    }

    public ConnectionState withBlocked(Blocked b) {
        return new ConnectionState(version, suspension, b, resumed, intent);
    }

    public ConnectionState withIntent(Intent i) {
        return new ConnectionState(version, suspension, blocked, resumed, Optional.ofNullable(i));
    }

    /** A raw state document with a suspension added, for a document whose other keys cannot be parsed. */
    public static Map<String, String> withSuspension(Map<String, String> raw, Suspension s) {
        Map<String, String> m = new LinkedHashMap<>(raw);
        m.putAll(NONE.withSuspension(s).toMap());
        return m;
    }

    /** The connection's state as Vault holds it now. */
    public static ConnectionState read(SecretStore store, String connection) {
        return store.state(connection).map(v -> from(v.value(), v.version())).orElse(NONE);
    }

    /** Writes this state with check-and-set on the version it was read at; returns it at its new version. */
    public ConnectionState write(SecretStore store, String connection) {
        long v = store.writeState(connection, toMap(), version);
        return new ConnectionState(v, suspension, blocked, resumed, intent);
    }

    /** Fails closed: a {@code suspended} key written by hand with any value but {@code false} (blank included) suspends. */
    public static boolean suspended(Map<String, String> m) {
        String flag = m.get(SUSPENDED);
        return flag != null && !"false".equalsIgnoreCase(flag.trim());
    }

    public static ConnectionState from(Map<String, String> m, long version) {
        Suspension s = suspended(m)
                ? new Suspension(m.getOrDefault(SUSPENDED_REASON, "incident response"), m.get(SUSPENDED_BY),
                        instant(m.get(SUSPENDED_AT)))
                : null;
        Blocked b = m.containsKey(BLOCKED_REASON) ? new Blocked(m.get(BLOCKED_REASON), instant(m.get(BLOCKED_AT))) : null;
        Resumption r = m.containsKey(RESUMED_AT) ? new Resumption(m.get(RESUMED_BY), instant(m.get(RESUMED_AT))) : null;
        return new ConnectionState(version, s, b, r, Intent.from(m));
    }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        if (suspension != null) {
            m.put(SUSPENDED, "true");
            m.put(SUSPENDED_REASON, suspension.reason());
            if (suspension.by() != null)
                m.put(SUSPENDED_BY, suspension.by());
            if (suspension.at() != null)
                m.put(SUSPENDED_AT, suspension.at().toString());
        }
        if (blocked != null) {
            m.put(BLOCKED_REASON, blocked.reason());
            if (blocked.at() != null)
                m.put(BLOCKED_AT, blocked.at().toString());
        }
        if (resumed != null) {
            if (resumed.by() != null)
                m.put(RESUMED_BY, resumed.by());
            if (resumed.at() != null)
                m.put(RESUMED_AT, resumed.at().toString());
        }
        intent.ifPresent(i -> i.into(m));
        return m;
    }

    private static Instant instant(String s) {
        return s == null || s.isEmpty() ? null : Instant.parse(s);
    }
}
