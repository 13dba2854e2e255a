package dev.patrol.devservices.snowflake;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.patrol.devservices.snowflake.Account.AuthPolicy;
import dev.patrol.devservices.snowflake.Account.Database;
import dev.patrol.devservices.snowflake.Account.NetworkRule;
import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.Role;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

/**
 * Session and plain objects: SELECT of functions, USE, ALTER SESSION, roles, databases, schemas, warehouses, DROP and SHOW
 * PARAMETERS.
 */
final class ObjectStatements extends StatementFamily {

    ObjectStatements(StatementContext x) {
        super(x);
    }

    Result select() {
        Result r = new Result(Result.SELECT);
        List<String> values = new ArrayList<>();
        do {
            Supplier<String> expr = expression();
            String label = expressionLabel();
            if (c.accept("AS"))
                label = c.identifier();
            else if (c.peek().kind() == SqlCursor.Kind.WORD && !c.at("FROM"))
                label = c.identifier();
            r.text(label);
            values.add(expr.get());
        } while (c.acceptSymbol(","));
        if (c.at("FROM"))
            throw SnowflakeError.unsupported("SELECT ... FROM");
        c.expectEnd();
        r.row(values.toArray(new String[0]));
        return r;
    }

    private final StringBuilder exprText = new StringBuilder();

    /** Snowflake names an unaliased column after its expression's text, upper-cased. */
    String expressionLabel() {
        String label = exprText.toString();
        exprText.setLength(0);
        return label;
    }

    Supplier<String> expression() {
        SqlCursor.Token t = c.peek();
        if (t.kind() == SqlCursor.Kind.NUMBER || (t.kind() == SqlCursor.Kind.SYMBOL && t.text().equals("-"))) {
            long v = c.integer();
            exprText.append(v);
            return () -> Long.toString(v);
        }
        if (t.kind() == SqlCursor.Kind.STRING) {
            String v = c.string();
            exprText.append('\'').append(v).append('\'');
            return () -> v;
        }
        if (c.at("NULL")) {
            c.accept("NULL");
            exprText.append("NULL");
            return () -> null;
        }
        if (c.at("TRUE") || c.at("FALSE")) {
            boolean b = c.bool();
            exprText.append(b ? "TRUE" : "FALSE");
            return () -> Result.bool(b);
        }
        String fn = c.identifier().toUpperCase(Locale.ROOT);
        exprText.append(fn).append('(');
        c.expectSymbol("(");
        List<String> args = new ArrayList<>();
        if (!c.atSymbol(")")) {
            do {
                String a = c.string();
                if (!args.isEmpty())
                    exprText.append(", ");
                exprText.append('\'').append(a).append('\'');
                args.add(a);
            } while (c.acceptSymbol(","));
        }
        c.expectSymbol(")");
        exprText.append(')');
        return function(fn, args);
    }

    Supplier<String> function(String fn, List<String> args) {
        int arity = switch (fn) {
            case "SYSTEM$DECODE_PAT", "IS_ROLE_IN_SESSION" -> 1;
            default -> 0;
        };
        if (args.size() != arity) {
            throw new SnowflakeError("001044", "42P13", "SQL compilation error: error line 1 at position 7\n"
                    + "Invalid argument types for function '" + fn + "'");
        }
        return switch (fn) {
            case "CURRENT_ROLE" -> () -> session.role;
            case "CURRENT_USER" -> () -> session.user;
            case "CURRENT_ACCOUNT", "CURRENT_ACCOUNT_NAME" -> () -> account.name;
            case "CURRENT_DATABASE" -> () -> session.database;
            case "CURRENT_SCHEMA" -> () -> session.schema;
            case "CURRENT_WAREHOUSE" -> () -> session.warehouse;
            case "CURRENT_SESSION" -> () -> Long.toString(session.id);
            case "CURRENT_VERSION" -> () -> SnowflakeEmulator.SERVER_VERSION;
            case "CURRENT_SECONDARY_ROLES" -> this::secondaryRolesJson;
            case "CURRENT_AVAILABLE_ROLES" -> () -> jsonArray(session.pinned() ? List.of(session.role)
                    : new ArrayList<>(account.availableRoles(user(session.user))));
            case "IS_ROLE_IN_SESSION" -> () -> Result.bool(can.activeRoles().contains(args.get(0).toUpperCase(Locale.ROOT))
                    || can.activeRoles().contains(args.get(0)));
            case "SYSTEM$DECODE_PAT" -> () -> x.pats.decodePat(args.get(0));
            default -> throw new SnowflakeError("002140", "42601", "SQL compilation error:\nUnknown function " + fn);
        };
    }

    String secondaryRolesJson() {
        if (session.pinned() || session.secondaryRoles == null || session.secondaryRoles.isEmpty()) {
            return "{\"roles\":\"\",\"value\":\"\"}";
        }
        Set<String> roles = new LinkedHashSet<>();
        if (session.secondaryRoles.contains("ALL"))
            roles.addAll(account.availableRoles(user(session.user)));
        else
            roles.addAll(session.secondaryRoles);
        roles.remove(session.role);
        String value = session.secondaryRoles.contains("ALL") ? "ALL" : String.join(",", session.secondaryRoles);
        return "{\"roles\":\"" + String.join(",", roles) + "\",\"value\":\"" + value + "\"}";
    }

    String jsonArray(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0)
                b.append(',');
            b.append('"').append(items.get(i)).append('"');
        }
        return b.append(']').toString();
    }

    Result use() {
        if (c.accept("ROLE")) {
            String role = c.identifier();
            c.expectEnd();
            if (session.pinned())
                throw SnowflakeError.inPatSession("USE ROLE");
            User u = user(session.user);
            if (!account.roles.containsKey(role) || !account.availableRoles(u).contains(role)) {
                throw new SnowflakeError("003013", "42501", "SQL compilation error:\nRequested role '" + role
                        + "' is not assigned to the executing user. Specify another role to activate.");
            }
            session.role = role;
            return Result.status(Result.USE, "Statement executed successfully.");
        }
        if (c.accept("SECONDARY", "ROLES")) {
            List<String> roles;
            if (c.accept("ALL"))
                roles = List.of("ALL");
            else if (c.accept("NONE"))
                roles = List.of();
            else {
                roles = new ArrayList<>();
                do
                    roles.add(c.identifier());
                while (c.acceptSymbol(","));
            }
            c.expectEnd();
            if (session.pinned())
                throw SnowflakeError.inPatSession("USE SECONDARY ROLES");
            Set<String> available = account.availableRoles(user(session.user));
            for (String r : roles) {
                if (!r.equals("ALL") && !available.contains(r)) {
                    throw new SnowflakeError("003013", "42501", "SQL compilation error:\nRequested role '" + r
                            + "' is not assigned to the executing user. Specify another role to activate.");
                }
            }
            session.secondaryRoles = roles;
            return Result.status(Result.USE, "Statement executed successfully.");
        }
        if (c.accept("WAREHOUSE")) {
            String name = c.identifier();
            c.expectEnd();
            Owned w = account.warehouses.get(name);
            if (w == null || !(can.owns(w) || can.onObject("USAGE", "WAREHOUSE", name, w))) {
                throw objectDoesNotExist();
            }
            session.warehouse = name;
            return Result.status(Result.USE_WAREHOUSE, "Statement executed successfully.");
        }
        if (c.accept("SCHEMA")) {
            Name n = c.qualifiedName();
            c.expectEnd();
            String db = n.schema() != null ? n.schema() : session.database;
            if (n.database() != null)
                throw c.unexpected();
            if (db == null)
                throw SnowflakeError.noCurrentDatabase("USE SCHEMA");
            useSchema(db, n.name());
            return Result.status(Result.USE_SCHEMA, "Statement executed successfully.");
        }
        c.accept("DATABASE");
        Name n = c.qualifiedName();
        c.expectEnd();
        if (n.schema() != null && n.database() == null) {
            useSchema(n.schema(), n.name());
            return Result.status(Result.USE_SCHEMA, "Statement executed successfully.");
        }
        if (n.database() != null)
            throw c.unexpected();
        Database d = account.databases.get(n.name());
        if (d == null || !(can.owns(d) || can.onObject("USAGE", "DATABASE", d.name, d)))
            throw objectDoesNotExist();
        session.database = d.name;
        session.schema = d.schemas.containsKey("PUBLIC") ? "PUBLIC" : null;
        return Result.status(Result.USE_DATABASE, "Statement executed successfully.");
    }

    void useSchema(String db, String schema) {
        Database d = account.databases.get(db);
        Owned s = d == null ? null : d.schemas.get(schema);
        if (s == null || !(can.owns(d) || can.owns(s) || can.onObject("USAGE", "DATABASE", db, d)))
            throw objectDoesNotExist();
        session.database = db;
        session.schema = schema;
    }

    Result createRole(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        String name = c.identifier();
        String comment = null;
        if (c.accept("COMMENT")) {
            c.expectSymbol("=");
            comment = c.string();
        }
        c.expectEnd();
        can.requireCreatePrivilege("CREATE ROLE");
        Role existing = account.roles.get(name);
        if (existing != null) {
            if (ifNotExists)
                return Result.status(Result.DDL, name + " already exists, statement succeeded.");
            if (!orReplace || Account.SYSTEM_ROLES.contains(name))
                throw SnowflakeError.alreadyExists("Role", name);
            dropRoleState(name);
        }
        account.roles.put(name, new Role(name, session.role, comment, account.now()));
        return Result.status(Result.DDL, "Role " + name + " successfully created.");
    }

    Result createDatabase(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        String name = c.identifier();
        String comment = optionalComment();
        c.expectEnd();
        can.requireCreatePrivilege("CREATE DATABASE");
        Database existing = account.databases.get(name);
        if (existing != null) {
            if (ifNotExists)
                return Result.status(Result.DDL, name + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Database", name);
        }
        Database d = new Database(name, session.role, comment, account.now());
        d.schemas.put("PUBLIC", new Owned("PUBLIC", session.role, null, account.now()));
        account.databases.put(name, d);
        session.database = name;
        session.schema = "PUBLIC";
        return Result.status(Result.DDL, "Database " + name + " successfully created.");
    }

    Result createSchema(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        Name n = c.qualifiedName();
        String comment = optionalComment();
        c.expectEnd();
        if (n.database() != null)
            throw SnowflakeError.invalidValue("a schema name has at most two parts");
        String db = n.schema() != null ? n.schema() : session.database;
        if (db == null)
            throw SnowflakeError.noCurrentDatabase("CREATE SCHEMA");
        Database d = database(db);
        if (!can.mayCreateIn(d, "CREATE SCHEMA", "DATABASE", db)) {
            throw SnowflakeError.insufficientPrivileges("database", db);
        }
        if (d.schemas.containsKey(n.name())) {
            if (ifNotExists)
                return Result.status(Result.DDL, n.name() + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Schema", n.name());
        }
        d.schemas.put(n.name(), new Owned(n.name(), session.role, comment, account.now()));
        session.database = db;
        session.schema = n.name();
        return Result.status(Result.DDL, "Schema " + n.name() + " successfully created.");
    }

    Result createWarehouse(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        String name = c.identifier();
        c.accept("WITH");
        String comment = null;
        while (!c.atEnd()) {
            // Size and suspend settings do not matter to an emulator without compute; they are accepted.
            String key = c.identifier();
            c.expectSymbol("=");
            if (key.equals("COMMENT"))
                comment = c.string();
            else if (c.atString())
                c.string();
            else if (c.peek().kind() == SqlCursor.Kind.NUMBER)
                c.integer();
            else
                c.identifier();
        }
        c.expectEnd();
        can.requireCreatePrivilege("CREATE WAREHOUSE");
        if (account.warehouses.containsKey(name)) {
            if (ifNotExists)
                return Result.status(Result.DDL, name + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Warehouse", name);
        }
        account.warehouses.put(name, new Owned(name, session.role, comment, account.now()));
        session.warehouse = name;
        return Result.status(Result.DDL, "Warehouse " + name + " successfully created.");
    }

    Result alterSession() {
        if (c.accept("SET")) {
            do {
                c.identifier();
                c.expectSymbol("=");
                if (c.atString())
                    c.string();
                else if (c.peek().kind() == SqlCursor.Kind.NUMBER || c.atSymbol("-"))
                    c.integer();
                else
                    c.identifier();
            } while (c.acceptSymbol(",") || (!c.atEnd() && c.peek().kind() == SqlCursor.Kind.WORD));
        } else {
            c.expect("UNSET");
            do
                c.identifier();
            while (c.acceptSymbol(","));
        }
        c.expectEnd();
        return Result.status(Result.ALTER_SESSION, "Statement executed successfully.");
    }

    Result alterRole() {
        boolean ifExists = c.accept("IF", "EXISTS");
        String name = c.identifier();
        String newName = null, comment = null;
        boolean unsetComment = false;
        if (c.accept("RENAME", "TO"))
            newName = c.identifier();
        else if (c.accept("SET", "COMMENT")) {
            c.expectSymbol("=");
            comment = c.string();
        } else {
            c.expect("UNSET", "COMMENT");
            unsetComment = true;
        }
        c.expectEnd();
        Role r = account.roles.get(name);
        if (r == null) {
            if (ifExists)
                return Result.status(Result.DDL, "Statement executed successfully.");
            throw SnowflakeError.doesNotExist("Role", name);
        }
        if (!can.owns(r))
            throw SnowflakeError.insufficientPrivileges("role", name);
        if (newName != null)
            throw SnowflakeError.unsupported("ALTER ROLE ... RENAME TO in the Snowflake emulator");
        r.comment = unsetComment ? null : comment;
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    void dropRoleState(String role) {
        account.roles.remove(role);
        account.roles.values().forEach(r -> r.granted.remove(role));
        account.users.values().forEach(u -> u.granted.remove(role));
        account.privilegeGrants.removeIf(g -> g.grantee().equals(role));
        // PATs restricted to the role stay listed but no longer authenticate.
    }

    Result showRoles() {
        Pattern like = likePattern();
        c.expectEnd();
        User me = account.users.get(session.user);
        Set<String> mine = me == null ? Set.of() : account.availableRoles(me);
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                .text("name", "is_default", "is_current", "is_inherited").column("assigned_to_users", Type.FIXED)
                .column("granted_to_roles", Type.FIXED).column("granted_roles", Type.FIXED).text("owner", "comment");
        for (Role role : account.roles.values().stream().sorted(Comparator.comparing(x -> x.name)).toList()) {
            if (!likes(like, role.name))
                continue;
            long users = account.users.values().stream().filter(u -> u.granted.containsKey(role.name)).count();
            long toRoles = account.roles.values().stream().filter(o -> o.granted.containsKey(role.name)).count();
            boolean isDefault = me != null && role.name.equals(me.defaultRole);
            r.row(Result.timestamp(role.createdOn), role.name, isDefault ? "Y" : "N",
                    role.name.equals(session.role) ? "Y" : "N",
                    mine.contains(role.name) && !role.name.equals(session.role) ? "Y" : "N", Long.toString(users),
                    Long.toString(toRoles), Integer.toString(role.granted.size()), role.owner, role.comment);
        }
        return r;
    }

    Result showDatabases() {
        c.expectEnd();
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("name", "is_default", "is_current",
                "owner", "comment");
        for (Database d : account.databases.values()) {
            if (!(can.owns(d) || can.onObject("USAGE", "DATABASE", d.name, d)))
                continue;
            r.row(Result.timestamp(d.createdOn), d.name, "N", d.name.equals(session.database) ? "Y" : "N", d.owner, d.comment);
        }
        return r;
    }

    /** {@code SHOW PARAMETERS [LIKE '...'] IN USER <u> | IN ACCOUNT}: the parameters the emulator models (NETWORK_POLICY). */
    Result showParameters() {
        Pattern like = likePattern();
        c.expect("IN");
        String level;
        String value;
        if (c.accept("ACCOUNT")) {
            level = "ACCOUNT";
            value = account.accountNetworkPolicy;
        } else {
            c.expect("USER");
            String name = c.identifier();
            User u = user(name);
            if (!can.describeUser(u))
                throw SnowflakeError.insufficientPrivileges("user", name);
            level = "USER";
            value = u.networkPolicy;
        }
        c.expectEnd();
        Result r = new Result(Result.SHOW).text("key", "value", "default", "level", "description", "type");
        if (likes(like, "NETWORK_POLICY")) {
            r.row("NETWORK_POLICY", value == null ? "" : value, "", value == null ? "" : level,
                    "Network policy that applies (user level overrides account level)", "STRING");
        }
        return r;
    }

    Result showWarehouses() {
        c.expectEnd();
        Result r = new Result(Result.SHOW).text("name", "state", "type", "size").column("created_on", Type.TIMESTAMP_LTZ)
                .text("owner", "comment");
        for (Owned w : account.warehouses.values()) {
            if (!(can.owns(w) || can.onObject("USAGE", "WAREHOUSE", w.name, w)))
                continue;
            r.row(w.name, "SUSPENDED", "STANDARD", "X-Small", Result.timestamp(w.createdOn), w.owner, w.comment);
        }
        return r;
    }

    Result drop() {
        String kind;
        if (c.accept("ROLE"))
            kind = "ROLE";
        else if (c.accept("USER"))
            kind = "USER";
        else if (c.accept("DATABASE"))
            kind = "DATABASE";
        else if (c.accept("SCHEMA"))
            kind = "SCHEMA";
        else if (c.accept("WAREHOUSE"))
            kind = "WAREHOUSE";
        else if (c.accept("AUTHENTICATION", "POLICY"))
            kind = "AUTHENTICATION POLICY";
        else if (c.accept("NETWORK", "RULE"))
            kind = "NETWORK RULE";
        else if (c.accept("NETWORK", "POLICY"))
            kind = "NETWORK POLICY";
        else
            throw SnowflakeError.unsupported("DROP " + c.peek().text().toUpperCase(Locale.ROOT));
        boolean ifExists = c.accept("IF", "EXISTS");
        Name n = c.qualifiedName();
        c.accept("CASCADE");
        c.accept("RESTRICT");
        c.expectEnd();
        Owned target = switch (kind) {
            case "ROLE" -> account.roles.get(n.name());
            case "USER" -> account.users.get(n.name());
            case "DATABASE" -> account.databases.get(n.name());
            case "WAREHOUSE" -> account.warehouses.get(n.name());
            case "NETWORK POLICY" -> account.networkPolicies.get(n.name());
            case "SCHEMA" -> {
                String db = n.schema() != null ? n.schema() : session.database;
                Database d = db == null ? null : account.databases.get(db);
                yield d == null ? null : d.schemas.get(n.name());
            }
            case "AUTHENTICATION POLICY" -> account.authPolicies.get(fqn(qualify(n, "DROP AUTHENTICATION POLICY")));
            default -> account.networkRules.get(fqn(qualify(n, "DROP NETWORK RULE")));
        };
        if (target == null) {
            if (ifExists)
                return Result.status(Result.DDL, "Drop statement executed successfully (" + n.name() + " already dropped).");
            throw SnowflakeError.doesNotExist(kind.charAt(0) + kind.substring(1).toLowerCase(Locale.ROOT), n.display());
        }
        if (kind.equals("ROLE") && Account.SYSTEM_ROLES.contains(n.name())) {
            throw SnowflakeError.invalidValue("Cannot drop system role " + n.name() + ".");
        }
        if (!can.owns(target))
            throw SnowflakeError.insufficientPrivileges(kind.toLowerCase(Locale.ROOT), n.display());
        switch (kind) {
            case "ROLE" -> dropRoleState(n.name());
            case "USER" -> x.users.dropUserState((User) target);
            case "DATABASE" -> {
                account.databases.remove(n.name());
                account.authPolicies.values().removeIf(p -> p.database.equals(n.name()));
                account.networkRules.values().removeIf(r -> r.database.equals(n.name()));
                if (n.name().equals(session.database)) {
                    session.database = null;
                    session.schema = null;
                }
            }
            case "SCHEMA" -> {
                String db = n.schema() != null ? n.schema() : session.database;
                account.databases.get(db).schemas.remove(n.name());
                account.authPolicies.values().removeIf(p -> p.database.equals(db) && p.schema.equals(n.name()));
                account.networkRules.values().removeIf(r -> r.database.equals(db) && r.schema.equals(n.name()));
            }
            case "WAREHOUSE" -> account.warehouses.remove(n.name());
            case "NETWORK POLICY" -> {
                if (n.name().equals(account.accountNetworkPolicy)
                        || account.users.values().stream().anyMatch(u -> n.name().equals(u.networkPolicy))) {
                    throw SnowflakeError.invalidValue("Network policy " + n.name() + " is attached and cannot be dropped.");
                }
                account.networkPolicies.remove(n.name());
            }
            case "AUTHENTICATION POLICY" -> {
                AuthPolicy p = (AuthPolicy) target;
                if (x.policies.isAttached(p.qualifiedName())) {
                    throw SnowflakeError
                            .invalidValue("Authentication policy " + p.qualifiedName() + " is attached and cannot be dropped.");
                }
                account.authPolicies.remove(p.qualifiedName());
            }
            default -> account.networkRules.remove(((NetworkRule) target).qualifiedName());
        }
        return Result.status(Result.DDL, n.name() + " successfully dropped.");
    }
}
