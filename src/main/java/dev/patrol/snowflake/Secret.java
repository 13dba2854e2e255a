package dev.patrol.snowflake;

import java.util.Objects;

/**
 * A PAT secret in memory. It has no {@code toString()} that shows the value, so it cannot slip
 * into a log line, an exception message or a metric; {@link #reveal()} is the one way out.
 */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "secret");
        if (value.isEmpty())
            throw new IllegalArgumentException("empty secret");
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
