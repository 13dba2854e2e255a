package dev.patrol.snowflake;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Everything patrol asks of Snowflake, as the rotator's service user (key pair, never a PAT: a PAT
 * session cannot manage PATs). User names, roles and token names are plain identifiers
 * (see {@link Identifiers}); secrets travel as {@link Secret}.
 */
public interface SnowflakeAdmin {

    /** What the guardrails need to know about a CLI user; {@code exists} false when it does not exist. */
    record UserFacts(boolean exists, String type, boolean disabled, Set<String> roles) {
        public static UserFacts missing() {
            return new UserFacts(false, null, false, Set.of());
        }

        /** Roles held beside {@code role} and PUBLIC, sorted: a CLI user should hold none. */
        public Set<String> rolesBeside(String role) {
            Set<String> extra = new java.util.TreeSet<>(roles);
            extra.remove(role);
            extra.remove("PUBLIC");
            return extra;
        }
    }

    /** One row of SHOW USER PATS. */
    record PatInfo(String name, String roleRestriction, Instant expiresAt, String status, String comment, Instant createdOn,
            String rotatedTo) {
    }

    record Added(String tokenName, Secret secret) {
    }

    record Rotated(String tokenName, Secret secret, String rotatedTokenName) {
    }

    UserFacts describeUser(String user);

    List<PatInfo> listPats(String user);

    Added addPat(String user, String tokenName, String role, int daysToExpiry, String comment);

    Rotated rotatePat(String user, String tokenName, int expireRotatedAfterHours);

    /** Removes a token; a token that is already gone is not an error. */
    void removePat(String user, String tokenName);

    /** {@code ALTER USER ... MODIFY PAT ... SET DISABLED = TRUE}: the token stays listed but cannot log in. */
    void disablePat(String user, String tokenName);

    /** {@code ALTER USER ... SET DISABLED = TRUE}: ends every session and token of the user (needs OWNERSHIP). */
    void disableUser(String user);

    /** Logs in as the user with the secret and returns {@code CURRENT_ROLE()}. */
    String validate(String user, String role, Secret secret);

    /**
     * Runs a read-only statement patrol composed itself (posture checks) and returns its rows by
     * column name. Identifiers in it must come from {@link Identifiers}.
     */
    List<java.util.Map<String, String>> read(String sql);

    /** A cheap round trip as the rotator (readiness): returns the rotator's current role. */
    String ping();

    /** The account identifier the records name. */
    String account();
}
