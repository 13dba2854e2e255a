package dev.patrol.devservices.snowflake;

import java.util.Locale;
import java.util.regex.Pattern;

import dev.patrol.devservices.snowflake.Account.Database;
import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.Role;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

/**
 * What every statement family shares: the statement's context, and the lookups and small parsers
 * that several families use. Authorisation questions go to {@link Privileges}, never answered here.
 */
abstract class StatementFamily {

    final StatementContext x;
    final Account account;
    final Session session;
    final SqlCursor c;
    final Privileges can;

    StatementFamily(StatementContext x) {
        this.x = x;
        this.account = x.account();
        this.session = x.session();
        this.c = x.cursor();
        this.can = x.privileges();
    }

    User user(String name) {
        User u = account.users.get(name);
        if (u == null)
            throw SnowflakeError.doesNotExist("User", name);
        return u;
    }

    Role role(String name) {
        Role r = account.roles.get(name);
        if (r == null)
            throw SnowflakeError.doesNotExist("Role", name);
        return r;
    }

    Database database(String name) {
        Database d = account.databases.get(name);
        if (d == null)
            throw SnowflakeError.doesNotExist("Database", name);
        return d;
    }

    /** Resolves a schema-level name against the session's current database and schema. */
    Name qualify(Name n, String statement) {
        String db = n.database() != null ? n.database() : session.database;
        String schema = n.schema() != null ? n.schema() : session.schema;
        if (db == null)
            throw SnowflakeError.noCurrentDatabase(statement);
        if (schema == null) {
            throw new SnowflakeError("090106", "22000", "Cannot perform " + statement
                    + ". This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.");
        }
        Database d = database(db);
        if (!d.schemas.containsKey(schema))
            throw SnowflakeError.doesNotExist("Schema", db + "." + schema);
        return new Name(db, schema, n.name());
    }

    String fqn(Name n) {
        return n.database() + "." + n.schema() + "." + n.name();
    }

    Owned schemaOf(Name n) {
        return account.databases.get(n.database()).schemas.get(n.schema());
    }

    SnowflakeError objectDoesNotExist() {
        return new SnowflakeError("002043", "02000",
                "SQL compilation error:\nObject does not exist, or operation cannot be performed.");
    }

    boolean ifNotExists() {
        return c.accept("IF", "NOT", "EXISTS");
    }

    String nameValue() {
        return c.atString() ? c.string().toUpperCase(Locale.ROOT) : c.identifier();
    }

    /**
     * A role named in a string literal ({@code ROLE_RESTRICTION = 'analyst_cli_role'}): an exact match
     * first, else the upper-cased name. UNCONFIRMED: Snowflake documents the literal but not its case rule.
     */
    String roleNameValue() {
        if (!c.atString())
            return c.identifier();
        String s = c.string();
        return account.roles.containsKey(s) ? s : s.toUpperCase(Locale.ROOT);
    }

    String networkPolicyValue() {
        String np = nameValue();
        if (!account.networkPolicies.containsKey(np))
            throw SnowflakeError.doesNotExist("Network policy", np);
        return np;
    }

    String optionalComment() {
        String comment = null;
        c.accept("WITH");
        if (c.accept("COMMENT")) {
            c.expectSymbol("=");
            comment = c.string();
        }
        return comment;
    }

    /** A name inside a string literal ({@code 'db.schema.rule'}), with the identifier case rules. */
    Name parseName(String raw) {
        return new SqlCursor(raw).qualifiedName();
    }

    Result missingUser(String name, boolean ifExists) {
        if (ifExists)
            return Result.status(Result.DDL, "Statement executed successfully.");
        throw SnowflakeError.doesNotExist("User", name);
    }

    Pattern likePattern() {
        if (!c.accept("LIKE"))
            return null;
        String p = c.string();
        StringBuilder regex = new StringBuilder();
        for (char ch : p.toCharArray()) {
            if (ch == '%')
                regex.append(".*");
            else if (ch == '_')
                regex.append('.');
            else
                regex.append(Pattern.quote(String.valueOf(ch)));
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    }

    boolean likes(Pattern like, String name) {
        return like == null || like.matcher(name).matches();
    }
}
