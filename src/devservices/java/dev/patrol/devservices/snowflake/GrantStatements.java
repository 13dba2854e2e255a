package dev.patrol.devservices.snowflake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.PrivilegeGrant;
import dev.patrol.devservices.snowflake.Account.Role;
import dev.patrol.devservices.snowflake.Account.RoleGrant;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

/** GRANT, REVOKE and SHOW GRANTS. */
final class GrantStatements extends StatementFamily {

    /** Privileges the emulator knows, by the kind of object they are granted on. */
    private static final Map<String, Set<String>> GRANTABLE = Map.of(
            "ACCOUNT", Set.of("CREATE USER", "CREATE ROLE", "MANAGE GRANTS", "CREATE DATABASE", "CREATE WAREHOUSE",
                    "CREATE NETWORK POLICY", "APPLY AUTHENTICATION POLICY", "ATTACH POLICY", "MONITOR USAGE"),
            "USER", Set.of("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "MONITOR"),
            "DATABASE", Set.of("USAGE", "CREATE SCHEMA", "MONITOR"),
            "SCHEMA", Set.of("USAGE", "CREATE AUTHENTICATION POLICY", "CREATE NETWORK RULE", "MONITOR"),
            "WAREHOUSE", Set.of("USAGE", "OPERATE", "MONITOR", "MODIFY"));

    GrantStatements(StatementContext x) {
        super(x);
    }

    Result grant() {
        if (c.accept("DATABASE", "ROLE"))
            return databaseRole(true);
        if (c.accept("ROLE")) {
            String role = c.identifier();
            c.expect("TO");
            String granteeKind = c.oneOf("USER", "ROLE");
            String grantee = c.identifier();
            c.expectEnd();
            Role r = role(role);
            if (!(can.owns(r) || can.accountPrivilege("MANAGE GRANTS")))
                throw SnowflakeError.insufficientPrivileges("role", role);
            if (granteeKind.equals("USER")) {
                User u = user(grantee);
                u.granted.putIfAbsent(role, new RoleGrant(role, account.now(), session.role));
            } else {
                Role to = role(grantee);
                if (account.closure(role).contains(grantee) || role.equals(grantee)) {
                    throw SnowflakeError.invalidValue("Cannot grant role " + role + " to " + grantee
                            + ": it would create a cycle in the role hierarchy.");
                }
                to.granted.putIfAbsent(role, new RoleGrant(role, account.now(), session.role));
            }
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        GrantTarget p = grantTarget();
        c.expect("TO");
        c.accept("ROLE");
        String grantee = c.identifier();
        boolean ownershipTransfer = p.names.contains("OWNERSHIP");
        String currentGrants = null;
        if (ownershipTransfer) {
            if (c.accept("COPY", "CURRENT", "GRANTS"))
                currentGrants = "COPY";
            else if (c.accept("REVOKE", "CURRENT", "GRANTS"))
                currentGrants = "REVOKE";
        } else {
            c.accept("WITH", "GRANT", "OPTION");
        }
        c.expectEnd();
        role(grantee);
        Owned target = resolveTarget(p);
        if (!can.grantOn(target))
            throw SnowflakeError.insufficientPrivileges(p.objectType.toLowerCase(Locale.ROOT), p.objectName);
        if (ownershipTransfer) {
            if (target == null)
                throw SnowflakeError.unsupported("GRANT OWNERSHIP ON ACCOUNT");
            transferOwnership(p, target, grantee, currentGrants);
        } else {
            for (String priv : p.names)
                account.grantPrivilege(priv, p.objectType, p.objectName, grantee, session.role);
        }
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    /**
     * Moves ownership. The privileges granted on the object to other roles (its outbound grants) are
     * kept with COPY CURRENT GRANTS, dropped with REVOKE CURRENT GRANTS, and without either clause
     * the transfer is refused while any exist, as Snowflake documents.
     */
    void transferOwnership(GrantTarget p, Owned target, String grantee, String currentGrants) {
        boolean outbound = account.privilegeGrants.stream()
                .anyMatch(g -> g.objectType().equals(p.objectType) && g.objectName().equals(p.objectName));
        if (outbound && currentGrants == null)
            throw SnowflakeError.dependentGrants(p.objectType, p.objectName);
        if ("REVOKE".equals(currentGrants)) {
            account.privilegeGrants.removeIf(g -> g.objectType().equals(p.objectType) && g.objectName().equals(p.objectName));
        }
        target.owner = grantee;
    }

    /**
     * {@code GRANT | REVOKE DATABASE ROLE SNOWFLAKE.<viewer> TO | FROM ROLE r}: only the SNOWFLAKE database roles patrol reads
     * with.
     */
    Result databaseRole(boolean grant) {
        Name n = c.qualifiedName();
        c.expect(grant ? "TO" : "FROM");
        c.expect("ROLE");
        String grantee = c.identifier();
        c.expectEnd();
        String name = n.schema() + "." + n.name();
        if (n.schema() == null || n.database() != null || !Account.POLICY_REFERENCE_READERS.contains(name)) {
            throw SnowflakeError.unsupported("DATABASE ROLE " + n.display() + " in the Snowflake emulator");
        }
        role(grantee);
        if (!can.grantOn(null))
            throw SnowflakeError.insufficientPrivileges("database role", name);
        if (grant)
            account.grantPrivilege("USAGE", "DATABASE ROLE", name, grantee, session.role);
        else
            account.privilegeGrants.removeIf(
                    g -> g.objectType().equals("DATABASE ROLE") && g.objectName().equals(name) && g.grantee().equals(grantee));
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    Result revoke() {
        if (c.accept("DATABASE", "ROLE"))
            return databaseRole(false);
        if (c.accept("ROLE")) {
            String role = c.identifier();
            c.expect("FROM");
            String granteeKind = c.oneOf("USER", "ROLE");
            String grantee = c.identifier();
            c.expectEnd();
            Role r = role(role);
            if (!(can.owns(r) || can.accountPrivilege("MANAGE GRANTS")))
                throw SnowflakeError.insufficientPrivileges("role", role);
            if (granteeKind.equals("USER"))
                user(grantee).granted.remove(role);
            else
                role(grantee).granted.remove(role);
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        c.accept("GRANT", "OPTION", "FOR");
        GrantTarget p = grantTarget();
        if (p.names.contains("OWNERSHIP"))
            throw SnowflakeError.invalidValue("OWNERSHIP cannot be revoked; transfer it with GRANT OWNERSHIP.");
        c.expect("FROM");
        c.accept("ROLE");
        String grantee = c.identifier();
        c.accept("CASCADE");
        c.accept("RESTRICT");
        c.expectEnd();
        role(grantee);
        Owned target = resolveTarget(p);
        if (!can.grantOn(target)) {
            throw SnowflakeError.insufficientPrivileges(p.objectType.toLowerCase(Locale.ROOT), p.objectName);
        }
        account.privilegeGrants.removeIf(g -> g.grantee().equals(grantee) && g.objectType().equals(p.objectType)
                && g.objectName().equals(p.objectName) && p.names.contains(g.privilege()));
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    record GrantTarget(List<String> names, String objectType, String objectName) {
    }

    /** {@code priv [, priv] ON <type> <name>}, each privilege validated against the object type. */
    GrantTarget grantTarget() {
        List<String> names = new ArrayList<>();
        do {
            StringBuilder b = new StringBuilder();
            while (c.peek().kind() == SqlCursor.Kind.WORD && !c.at("ON")) {
                if (b.length() > 0)
                    b.append(' ');
                b.append(c.identifier().toUpperCase(Locale.ROOT));
            }
            if (b.length() == 0)
                throw c.unexpected();
            String priv = b.toString();
            if (priv.equals("ALL PRIVILEGES"))
                priv = "ALL";
            names.add(priv);
        } while (c.acceptSymbol(","));
        c.expect("ON");
        String type;
        String name;
        if (c.accept("ACCOUNT")) {
            type = "ACCOUNT";
            name = account.name;
        } else {
            type = c.oneOf("USER", "DATABASE", "SCHEMA", "WAREHOUSE");
            Name n = c.qualifiedName();
            if (type.equals("SCHEMA")) {
                String db = n.schema() != null ? n.schema() : session.database;
                if (db == null)
                    throw SnowflakeError.noCurrentDatabase("GRANT");
                name = db + "." + n.name();
            } else {
                name = n.name();
            }
        }
        for (String priv : names) {
            if (!priv.equals("OWNERSHIP") && !priv.equals("ALL") && !GRANTABLE.get(type).contains(priv)) {
                throw SnowflakeError.invalidValue("Invalid privilege " + priv + " for " + type + ".");
            }
        }
        if (names.contains("OWNERSHIP") && names.size() > 1)
            throw c.unexpected();
        return new GrantTarget(names, type, name);
    }

    Owned resolveTarget(GrantTarget p) {
        return switch (p.objectType) {
            case "ACCOUNT" -> null;
            case "USER" -> user(p.objectName);
            case "DATABASE" -> database(p.objectName);
            case "WAREHOUSE" -> {
                Owned w = account.warehouses.get(p.objectName);
                if (w == null)
                    throw SnowflakeError.doesNotExist("Warehouse", p.objectName);
                yield w;
            }
            default -> {
                String[] parts = p.objectName.split("\\.", 2);
                Owned s = database(parts[0]).schemas.get(parts[1]);
                if (s == null)
                    throw SnowflakeError.doesNotExist("Schema", p.objectName);
                yield s;
            }
        };
    }

    Result showGrants() {
        if (c.accept("TO", "USER")) {
            String name = c.identifier();
            c.expectEnd();
            User u = user(name);
            if (!can.showGrantsToUser(u))
                throw SnowflakeError.insufficientPrivileges("user", name);
            // UNCONFIRMED: role grants shown with the 2025_01 columns, PUBLIC not listed.
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                    .text("privilege", "granted_on", "name", "role", "granted_to", "grantee_name", "grant_option",
                            "granted_by");
            for (RoleGrant g : u.granted.values()) {
                r.row(Result.timestamp(g.createdOn()), "USAGE", "ROLE", g.role(), g.role(), "USER", u.name, "false",
                        g.grantedBy());
            }
            return r;
        }
        if (c.accept("TO", "ROLE")) {
            String name = c.identifier();
            c.expectEnd();
            Role role = role(name);
            if (!(can.activeRoles().contains(name) || can.owns(role) || can.accountPrivilege("MANAGE GRANTS"))) {
                throw SnowflakeError.insufficientPrivileges("role", name);
            }
            Result r = grantsResult();
            for (Map.Entry<String, ? extends Owned> e : ownedObjects().entrySet()) {
                if (name.equals(e.getValue().owner)) {
                    String[] typeAndName = e.getKey().split(":", 2);
                    r.row(Result.timestamp(e.getValue().createdOn), "OWNERSHIP", typeAndName[0], typeAndName[1], "ROLE", name,
                            "true", name);
                }
            }
            for (PrivilegeGrant g : account.privilegeGrants) {
                if (g.grantee().equals(name)) {
                    r.row(Result.timestamp(g.createdOn()), g.privilege(), g.objectType(), g.objectName(), "ROLE", name,
                            Result.bool(g.grantOption()), g.grantedBy());
                }
            }
            for (RoleGrant g : role.granted.values()) {
                r.row(Result.timestamp(g.createdOn()), "USAGE", "ROLE", g.role(), "ROLE", name, "false", g.grantedBy());
            }
            return r;
        }
        if (c.accept("OF", "ROLE")) {
            String name = c.identifier();
            c.expectEnd();
            Role role = role(name);
            if (!(can.activeRoles().contains(name) || can.owns(role) || can.accountPrivilege("MANAGE GRANTS"))) {
                throw SnowflakeError.insufficientPrivileges("role", name);
            }
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("role", "granted_to",
                    "grantee_name", "granted_by");
            for (Role other : account.roles.values()) {
                RoleGrant g = other.granted.get(name);
                if (g != null)
                    r.row(Result.timestamp(g.createdOn()), name, "ROLE", other.name, g.grantedBy());
            }
            for (User u : account.users.values()) {
                RoleGrant g = u.granted.get(name);
                if (g != null)
                    r.row(Result.timestamp(g.createdOn()), name, "USER", u.name, g.grantedBy());
            }
            return r;
        }
        if (c.accept("ON")) {
            String type;
            String name;
            Owned target;
            if (c.accept("ACCOUNT")) {
                type = "ACCOUNT";
                name = account.name;
                target = null;
            } else {
                type = c.oneOf("USER", "DATABASE", "WAREHOUSE");
                name = c.identifier();
                target = resolveTarget(new GrantTarget(List.of(), type, name));
            }
            c.expectEnd();
            if (!can.grantOn(target)) {
                throw SnowflakeError.insufficientPrivileges(type.toLowerCase(Locale.ROOT), name);
            }
            Result r = grantsResult();
            if (target != null) {
                r.row(Result.timestamp(target.createdOn), "OWNERSHIP", type, name, "ROLE", target.owner, "true", target.owner);
            }
            for (PrivilegeGrant g : account.privilegeGrants) {
                if (g.objectType().equals(type) && g.objectName().equals(name)) {
                    r.row(Result.timestamp(g.createdOn()), g.privilege(), type, name, "ROLE", g.grantee(),
                            Result.bool(g.grantOption()), g.grantedBy());
                }
            }
            return r;
        }
        throw SnowflakeError.unsupported("SHOW GRANTS " + c.peek().text().toUpperCase(Locale.ROOT));
    }

    Result grantsResult() {
        return new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                .text("privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by");
    }

    Map<String, Owned> ownedObjects() {
        Map<String, Owned> out = new LinkedHashMap<>();
        account.users.values().forEach(u -> out.put("USER:" + u.name, u));
        account.roles.values().forEach(r -> out.put("ROLE:" + r.name, r));
        account.databases.values().forEach(d -> out.put("DATABASE:" + d.name, d));
        account.warehouses.values().forEach(w -> out.put("WAREHOUSE:" + w.name, w));
        account.authPolicies.values().forEach(p -> out.put("AUTHENTICATION_POLICY:" + p.qualifiedName(), p));
        account.networkPolicies.values().forEach(p -> out.put("NETWORK_POLICY:" + p.name, p));
        return out;
    }
}
