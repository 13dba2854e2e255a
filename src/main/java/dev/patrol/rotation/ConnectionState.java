package dev.patrol.rotation;

import dev.patrol.vault.SecretStore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A connection's state document in Vault ({@code <kv-mount>/data/<path-prefix>-state/<connection>}),
 * always written with check-and-set: suspension by incident response, a guardrail's refusal, and
 * the intent of a change in flight. {@code version} is the Vault version it was read at (0: none yet).
 */
public record ConnectionState(long version, Suspension suspension, Blocked blocked, Optional<Intent> intent) {

    public record Suspension(String reason, String by, Instant at) {}

    public record Blocked(String reason, Instant at) {}

    public static final ConnectionState NONE = new ConnectionState(0, null, null, Optional.empty());

    public boolean suspended() {
        return suspension != null;
    }

    public ConnectionState withSuspension(Suspension s) {
        return new ConnectionState(version, s, blocked, intent);
    }

    public ConnectionState withBlocked(Blocked b) {
        return new ConnectionState(version, suspension, b, intent);
    }

    public ConnectionState withIntent(Intent i) {
        return new ConnectionState(version, suspension, blocked, Optional.ofNullable(i));
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
        return new ConnectionState(v, suspension, blocked, intent);
    }

    public static ConnectionState from(Map<String, String> m, long version) {
        // fails closed: a suspension written by hand in any spelling but "false" suspends
        String flag = m.get("suspended");
        Suspension s = flag != null && !flag.isBlank() && !"false".equalsIgnoreCase(flag.trim())
                ? new Suspension(m.getOrDefault("suspended_reason", "incident response"), m.get("suspended_by"), instant(m.get("suspended_at")))
                : null;
        Blocked b = m.containsKey("blocked_reason") ? new Blocked(m.get("blocked_reason"), instant(m.get("blocked_at"))) : null;
        return new ConnectionState(version, s, b, Intent.from(m));
    }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        if (suspension != null) {
            m.put("suspended", "true");
            m.put("suspended_reason", suspension.reason());
            if (suspension.by() != null) m.put("suspended_by", suspension.by());
            if (suspension.at() != null) m.put("suspended_at", suspension.at().toString());
        }
        if (blocked != null) {
            m.put("blocked_reason", blocked.reason());
            if (blocked.at() != null) m.put("blocked_at", blocked.at().toString());
        }
        intent.ifPresent(i -> i.into(m));
        return m;
    }

    private static Instant instant(String s) {
        return s == null || s.isEmpty() ? null : Instant.parse(s);
    }
}
