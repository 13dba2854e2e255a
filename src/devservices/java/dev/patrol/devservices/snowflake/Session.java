package dev.patrol.devservices.snowflake;

import java.time.Instant;
import java.util.List;

/**
 * One logged-in session. The role is what {@code CURRENT_ROLE()} answers; a session opened with a
 * PAT keeps {@link #patName} and may not change roles or manage PATs.
 */
final class Session {

    final long id;
    final String user;
    final String patName;
    final String authMethod;
    volatile String token;
    volatile Instant tokenExpiresAt;
    final String masterToken;
    final Instant masterExpiresAt;
    String role;
    /** "ALL", "NONE", or an explicit list of role names. */
    List<String> secondaryRoles;
    String database;
    String schema;
    String warehouse;

    Session(long id, String user, String patName, String authMethod, String token, Instant tokenExpiresAt,
            String masterToken, Instant masterExpiresAt) {
        this.id = id;
        this.user = user;
        this.patName = patName;
        this.authMethod = authMethod;
        this.token = token;
        this.tokenExpiresAt = tokenExpiresAt;
        this.masterToken = masterToken;
        this.masterExpiresAt = masterExpiresAt;
    }

    boolean viaPat() {
        return patName != null;
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + user + ", " + role + "]"; // never the tokens
    }
}
