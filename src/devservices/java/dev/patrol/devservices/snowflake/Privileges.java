package dev.patrol.devservices.snowflake;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.User;

/**
 * Every authorisation question the emulator asks, answered for one session. Statement code asks
 * here and never reads grants itself, so a rule changes in one place.
 *
 * <p>
 * The rules follow Snowflake's documented defaults. Where the documentation is silent the rule
 * is the stricter plausible one and its method says UNCONFIRMED.
 * <ul>
 * <li>CREATE USER / CREATE ROLE need those account privileges (USERADMIN and above); the creating
 * primary role owns the new object; ALTER/DROP need ownership (held through the role hierarchy).</li>
 * <li>GRANT and REVOKE need ownership of the object or role, or MANAGE GRANTS (SECURITYADMIN).</li>
 * <li>Reading a user (DESCRIBE USER, SHOW GRANTS TO USER, SHOW USERS) needs its ownership; MONITOR
 * on a user gives none of it.</li>
 * <li>PAT statements need OWNERSHIP or MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user, except
 * that a person user manages its own tokens freely; a PAT session never manages its own user's.</li>
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
        if (session.pinned())
            return out; // a role-restricted PAT session uses that role only
        User user = account.users.get(session.user);
        if (user == null || session.secondaryRoles == null)
            return out;
        Set<String> available = account.availableRoles(user);
        if (session.secondaryRoles.contains("ALL")) {
            out.addAll(available);
        } else {
            for (String r : session.secondaryRoles) {
                if (available.contains(r))
                    out.addAll(account.closure(r));
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
            throw new SnowflakeError("003001", "42501",
                    "SQL access control error:\nInsufficient privileges to operate on account '"
                            + account.name + "'");
        }
    }

    boolean mayCreateIn(Owned schema, String privilege, String schemaName) {
        return mayCreateIn(schema, privilege, "SCHEMA", schemaName);
    }

    /** Creating inside a container (a schema in a database, a policy in a schema): its owner, or the CREATE privilege on it. */
    boolean mayCreateIn(Owned container, String privilege, String type, String name) {
        return primaryRoles().contains(container.owner) || account.hasPrivilege(primaryRoles(), privilege, type, name, null);
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
            throw new SnowflakeError("003001", "42501",
                    "SQL access control error:\nInsufficient privileges to operate on account '"
                            + account.name + "'");
        }
    }

    // ---------------------------------------------------------------- users

    /**
     * DESCRIBE USER and SHOW PARAMETERS IN USER: only the user's owner, or a role above it. MONITOR
     * on the user does not give it. UNCONFIRMED: a user describing itself without owning itself is
     * refused too (the reference page names only ownership); SHOW PARAMETERS IN USER is taken to
     * need the same.
     */
    boolean describeUser(User u) {
        return owns(u);
    }

    /** SHOW USERS lists a user to its owner, or to every user of a role with CREATE USER on the account. */
    boolean seeInShowUsers(User u) {
        return accountPrivilege("CREATE USER") || owns(u);
    }

    /**
     * SHOW GRANTS TO USER: ownership of the user or MANAGE GRANTS. UNCONFIRMED: nothing less works,
     * not even for the user's own grants.
     */
    boolean showGrantsToUser(User u) {
        return owns(u) || accountPrivilege("MANAGE GRANTS");
    }

    /** ALTER USER SET / UNSET / RENAME, and disabling a user: ownership. */
    boolean alterUser(User u) {
        return owns(u);
    }

    // ---------------------------------------------------------------- PATs

    /**
     * ADD, ROTATE, MODIFY and REMOVE PAT. A person user manages its own tokens without a grant;
     * anyone else needs OWNERSHIP or MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user (service
     * users included, even on themselves). A PAT session may not manage its own user's tokens; with
     * the grants it may manage another user's.
     */
    void requirePatManagement(User u, String statement) {
        boolean self = u.name.equals(session.user);
        if (self && session.viaPat())
            throw SnowflakeError.inPatSession(statement);
        if (self && !u.isService())
            return;
        if (!onObject("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "USER", u.name, u)) {
            throw SnowflakeError.insufficientPrivileges("user", u.name);
        }
    }

    /** SHOW USER PATS: one's own tokens, or another user's with the management privilege. */
    boolean listPats(User u) {
        return u.name.equals(session.user) || onObject("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "USER", u.name, u);
    }

    // ---------------------------------------------------------------- grants

    /** GRANT / REVOKE on an object, and GRANT OWNERSHIP: its owner (or a role above) or MANAGE GRANTS. */
    boolean grantOn(Owned target) {
        return accountPrivilege("MANAGE GRANTS") || (target != null && owns(target));
    }

    // ---------------------------------------------------------------- policies

    /**
     * SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES: the SNOWFLAKE database roles GOVERNANCE_VIEWER or
     * SECURITY_VIEWER, or ACCOUNTADMIN (which holds the SNOWFLAKE database's imported privileges).
     */
    boolean readPolicyReferences() {
        Set<String> roles = activeRoles();
        return roles.contains(Account.ACCOUNTADMIN)
                || account.privilegeGrants.stream().anyMatch(g -> g.objectType().equals("DATABASE ROLE")
                        && Account.POLICY_REFERENCE_READERS.contains(g.objectName()) && roles.contains(g.grantee()));
    }

    /**
     * DESCRIBE AUTHENTICATION POLICY and SHOW AUTHENTICATION POLICIES ON ACCOUNT | USER: APPLY
     * AUTHENTICATION POLICY on the account or ownership of the policy. UNCONFIRMED: Snowflake's
     * built-in policy (no owner) is shown only with APPLY AUTHENTICATION POLICY.
     */
    boolean readAuthPolicy(Account.AuthPolicy p) {
        return accountPrivilege("APPLY AUTHENTICATION POLICY") || (p != null && owns(p));
    }
}
