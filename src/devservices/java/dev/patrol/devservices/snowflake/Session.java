package dev.patrol.devservices.snowflake;

import java.time.Instant;
import java.util.List;

/**
 * One logged-in session. The role is what {@code CURRENT_ROLE()} answers. A session opened with a
 * PAT keeps {@link #patName} and may not manage its own user's PATs; one opened with a
 * role-restricted PAT is also pinned to that role, without secondary roles.
 */
final class Session {

    final long id;
    final String user;
    final String patName;
    final String authMethod;
    final boolean pinned;
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

    Session(long id, String user, String patName, boolean pinned, String authMethod, String token, Instant tokenExpiresAt,
            String masterToken, Instant masterExpiresAt) {
        this.id = id;
        this.user = user;
        this.patName = patName;
        this.pinned = pinned;
        this.authMethod = authMethod;
        this.token = token;
        this.tokenExpiresAt = tokenExpiresAt;
        this.masterToken = masterToken;
        this.masterExpiresAt = masterExpiresAt;
    }

    boolean viaPat() {
        return patName != null;
    }

    /** A role-restricted PAT session: its one role decides everything, and it cannot switch. */
    boolean pinned() {
        return pinned;
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + user + ", " + role + "]"; // never the tokens
    }
}
