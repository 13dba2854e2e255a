package dev.patrol.snowflake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.patrol.registry.Connection;

/**
 * The Snowflake accounts patrol manages, each with a client of its own (session pool, timeouts,
 * back-off after failed logins), so that a slow or failing account never holds up work on another.
 */
public final class Accounts {

    /**
     * One account: its id in configuration, where it is, the rotator's client, and the sessions posture checks run in.
     */
    public record Account(String id, SnowflakeEndpoint endpoint, SnowflakeAdmin admin, PostureSession posture) {
    }

    private final Map<String, Account> byId = new LinkedHashMap<>();

    public Accounts(List<Account> all) {
        all.forEach(a -> byId.put(a.id(), a));
    }

    /** One account whose posture checks run as the rotator (tests and single-account tools). */
    public static Accounts single(String id, SnowflakeEndpoint endpoint, SnowflakeAdmin admin, String rotatorRole) {
        return new Accounts(List.of(new Account(id, endpoint, admin, new PostureSession(admin, rotatorRole))));
    }

    public List<Account> all() {
        return List.copyOf(byId.values());
    }

    public Set<String> ids() {
        return Set.copyOf(byId.keySet());
    }

    /** The account with this id; start-up validation guarantees every connection's account exists. */
    public Account get(String id) {
        Account a = byId.get(id);
        if (a == null)
            throw new IllegalArgumentException("no Snowflake account with id " + id);
        return a;
    }

    public Account of(Connection c) {
        return get(c.account());
    }

    /** The rotator's client in the connection's account. */
    public SnowflakeAdmin admin(Connection c) {
        return of(c).admin();
    }
}
