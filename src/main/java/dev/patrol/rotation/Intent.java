package dev.patrol.rotation;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A change to Snowflake that patrol announced in Vault before making it (design §5.1): which
 * operation, on which token name, when, and the record version it started from. A sweep that finds
 * one repairs by looking at Snowflake and Vault, never by guessing.
 */
public record Intent(Op op, String tokenName, Instant started, long fromVersion) {

    public enum Op { MINT, ROTATE, ADD }

    static final String OP = "intent_op";
    static final String TOKEN = "intent_token";
    static final String STARTED = "intent_started";
    static final String FROM = "intent_from";

    public static Optional<Intent> from(Map<String, String> state) {
        String op = state.get(OP);
        if (op == null) return Optional.empty();
        return Optional.of(new Intent(Op.valueOf(op), state.get(TOKEN), Instant.parse(state.get(STARTED)), Long.parseLong(state.get(FROM))));
    }

    /** The state with this intent recorded, other keys kept. */
    public Map<String, String> into(Map<String, String> state) {
        Map<String, String> m = new LinkedHashMap<>(state);
        m.put(OP, op.name());
        m.put(TOKEN, tokenName);
        m.put(STARTED, started.toString());
        m.put(FROM, Long.toString(fromVersion));
        return m;
    }

    public static Map<String, String> cleared(Map<String, String> state) {
        Map<String, String> m = new LinkedHashMap<>(state);
        m.remove(OP);
        m.remove(TOKEN);
        m.remove(STARTED);
        m.remove(FROM);
        return m;
    }
}
