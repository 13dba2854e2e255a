package dev.patrol.api;

import java.util.Map;

/**
 * One {@code [name]} section of {@code connections.toml}, every value a TOML basic string (the JDBC
 * driver rejects an integer {@code port}), escaped per TOML 1.0.
 */
final class TomlSection {

    private TomlSection() {
    }

    static String render(String name, String comment, Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        b.append('[').append(key(name)).append("]\n");
        if (comment != null)
            b.append("# ").append(comment.replaceAll("[\\r\\n]", " ")).append('\n');
        values.forEach((k, v) -> {
            if (v != null)
                b.append(key(k)).append(" = ").append(string(v)).append('\n');
        });
        return b.toString();
    }

    /**
     * The token endpoint's entity tag: the Vault record version and the token name (never the secret),
     * and the representation, since JSON and TOML answers differ. Token names are identifiers; anything
     * else is dropped so the tag stays a valid quoted string.
     */
    static String etag(long recordVersion, String tokenName, boolean toml) {
        String token = tokenName == null ? "" : tokenName.replaceAll("[^A-Za-z0-9_.-]", "");
        return "\"" + recordVersion + "-" + token + (toml ? "-toml" : "-json") + "\"";
    }

    /** Whether an If-None-Match header names this tag ({@code *}, or a list; weak comparison as for GET). */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank())
            return false;
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.equals("*"))
                return true;
            if (c.startsWith("W/"))
                c = c.substring(2);
            if (c.equals(etag))
                return true;
        }
        return false;
    }

    /** Bare keys are A-Za-z0-9_- ; anything else is quoted. */
    static String key(String k) {
        return k.matches("[A-Za-z0-9_-]+") ? k : string(k);
    }

    static String string(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\f' -> b.append("\\f");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f)
                        b.append(String.format("\\u%04X", (int) c));
                    else
                        b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
