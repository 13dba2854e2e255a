package dev.patrol;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Times read from what others wrote (Vault's metadata, past audit entries), where a missing or odd one is just unknown. */
public final class Instants {

    private Instants() {
    }

    /** The ISO-8601 instant, or null when {@code s} is absent, empty or malformed. */
    public static Instant parseOrNull(String s) {
        if (s == null || s.isEmpty())
            return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
