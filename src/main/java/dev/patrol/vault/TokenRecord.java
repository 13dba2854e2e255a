package dev.patrol.vault;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The current token record of one connection, as stored at {@code <kv-mount>/data/<path-prefix>/<connection>}
 * : the secret, its Snowflake token name, user, role, account, creation and expiry, plus
 * the connection parameters the helper writes into {@code connections.toml} (warehouse, database,
 * schema, host, port, protocol). {@link #toString()} never shows the secret.
 */
public record TokenRecord(String token, String tokenName, String user, String role, String account, Instant createdAt,
        Instant expiresAt, Map<String, String> parameters) {

    /** Connection parameters a record may carry besides the fixed fields. */
    public static final Set<String> PARAMETERS = Set.of("warehouse", "database", "schema", "host", "port", "protocol");

    public TokenRecord {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(tokenName, "tokenName");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        parameters = Map.copyOf(parameters);
        for (String k : parameters.keySet()) {
            if (!PARAMETERS.contains(k))
                throw new IllegalArgumentException("unknown connection parameter " + k);
        }
    }

    /** The KV fields, every value a string. */
    public Map<String, String> toFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("token", token);
        f.put("token_name", tokenName);
        f.put("user", user);
        f.put("role", role);
        if (account != null)
            f.put("account", account);
        f.put("created_at", createdAt.toString());
        f.put("expires_at", expiresAt.toString());
        f.putAll(parameters);
        return f;
    }

    /** Reads a record back; throws {@link IllegalArgumentException} naming the first missing or bad field. */
    public static TokenRecord fromFields(Map<String, String> f) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String k : PARAMETERS) {
            if (f.get(k) != null)
                params.put(k, f.get(k));
        }
        try {
            return new TokenRecord(required(f, "token"), required(f, "token_name"), required(f, "user"), required(f, "role"),
                    f.get("account"), Instant.parse(required(f, "created_at")), Instant.parse(required(f, "expires_at")),
                    params);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("token record has a malformed timestamp");
        }
    }

    private static String required(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null || v.isEmpty())
            throw new IllegalArgumentException("token record lacks '" + key + "'");
        return v;
    }

    @Override
    public String toString() {
        return "TokenRecord[tokenName=" + tokenName + ", user=" + user + ", role=" + role + ", account=" + account
                + ", createdAt=" + createdAt + ", expiresAt=" + expiresAt + ", parameters=" + parameters + ", token=****]";
    }
}
