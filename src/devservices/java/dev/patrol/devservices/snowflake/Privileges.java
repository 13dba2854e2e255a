package dev.patrol.devservices.snowflake;

import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.User;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Every authorisation question the emulator asks, answered for one session. Statement code asks
 * here and never reads grants itself, so a rule changes in one place.
 *
 * <p>The rules follow Snowflake's documented defaults. Where the documentation is silent the rule
 * is the stricter plausible one and its method says UNCONFIRMED.
 * <ul>
 * <li>CREATE USER / CREATE ROLE need those account privileges (USERADMIN and above); the creating
 * primary role owns the new object; ALTER/DROP need ownership (held through the role hierarchy).</li>
 * <li>GRANT and REVOKE need ownership of the object or role, or MANAGE GRANTS (SECURITYADMIN).</li>
 * <li>PAT statements need OWNERSHIP or MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user, except
 * that a person user manages its own tokens freely; none is allowed in a PAT session.</li>
 * <li>Authentication policies: created by owners of the schema (or holders of CREATE AUTHENTICATION
 * POLICY on it); attached with APPLY AUTHENTICATION POLICY on the account (SECURITYADMIN).</li>
 * </ul>
 */
final class Privileges {

    private final Account account;
    private final Session session;

    Privileges(Account account, Session session) {
        this.account = account;
        this.session = session;
    }

    Set<String> activeRoles() {
        Set<String> out = new LinkedHashSet<>(account.closure(session.role));
        if (session.viaPat()) return out; // a PAT session uses its restricted role only
        User user = account.users.get(session.user);
        if (user == null || session.secondaryRoles == null) return out;
        Set<String> available = account.availableRoles(user);
        if (session.secondaryRoles.contains("ALL")) {
            out.addAll(available);
        } else {
            for (String r : session.secondaryRoles) {
                if (available.contains(r)) out.addAll(account.closure(r));
            }
        }
        return out;
    }

    /**
     * The roles that authorise CREATE statements: the primary role and what it inherits. Snowflake
     * lets secondary roles authorise every other statement, but never object creation.
     */
    Set<String> primaryRoles() {
        return account.closure(session.role);
    }

    void requireCreatePrivilege(String privilege) {
        if (!account.hasAccountPrivilege(primaryRoles(), privilege)) {
            throw new SnowflakeError("003001", "42501", "SQL access control error:\nInsufficient privileges to operate on account '"
                    + account.name + "'");
        }
    }

    boolean mayCreateIn(Owned schema, String privilege, String schemaName) {
        return primaryRoles().contains(schema.owner)
                || account.hasPrivilege(primaryRoles(), privilege, "SCHEMA", schemaName, null);
    }

    boolean owns(Owned o) {
        return o.owner != null && activeRoles().contains(o.owner);
    }

    boolean accountPrivilege(String privilege) {
        return account.hasAccountPrivilege(activeRoles(), privilege);
    }

    boolean onObject(String privilege, String type, String name, Owned o) {
        return account.hasPrivilege(activeRoles(), privilege, type, name, o == null ? null : o.owner);
    }

    void requireAccountPrivilege(String privilege) {
        if (!accountPrivilege(privilege)) {
            throw new SnowflakeError("003001", "42501", "SQL access control error:\nInsufficient privileges to operate on account '"
                    + account.name + "'");
        }
    }

    /** DESCRIBE USER and SHOW GRANTS TO USER (UNCONFIRMED: MONITOR on the user is accepted). */
    boolean canInspect(User u) {
        return u.name.equals(session.user) || owns(u) || onObject("MONITOR", "USER", u.name, u)
                || accountPrivilege("MANAGE GRANTS");
    }
}
