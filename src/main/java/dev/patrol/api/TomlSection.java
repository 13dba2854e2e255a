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
        if (comment != null) b.append("# ").append(comment.replaceAll("[\\r\\n]", " ")).append('\n');
        values.forEach((k, v) -> {
            if (v != null) b.append(key(k)).append(" = ").append(string(v)).append('\n');
        });
        return b.toString();
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
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04X", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
