package dev.patrol.registry;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A registered CLI connection: the developer-facing name, the id of its Snowflake account, its TYPE=SERVICE user and single
 * role,
 * the connection parameters for {@code connections.toml}, and its effective rotation settings.
 */
public record Connection(String name, String account, String user, String role, Optional<String> warehouse,
        Optional<String> database,
        Optional<String> schema, Duration period, Duration grace, int daysToExpiry) {

    /** Connection names appear in URLs, Vault paths and TOML section names. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

    /** The grace window in whole hours, the unit of EXPIRE_ROTATED_TOKEN_AFTER_HOURS. */
    public int graceHours() {
        return (int) grace.toHours();
    }
}
