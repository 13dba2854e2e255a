package dev.patrol.devservices.snowflake;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Parses and runs one SQL statement against an {@link Account}: reads the first words and hands the
 * statement to its family (objects and session, users, PATs, policies, grants). Each statement is
 * parsed completely before anything changes, so a syntax error never leaves a half-applied
 * statement behind; who may do what is decided by {@link Privileges}.
 */
final class SqlInterpreter {

    private static final Set<String> UNSUPPORTED_STATEMENTS = Set.of("INSERT", "UPDATE", "DELETE", "MERGE", "COPY",
            "PUT", "GET", "CALL", "EXECUTE", "TRUNCATE", "UNDROP", "LIST", "LS", "REMOVE", "RM", "EXPLAIN", "WITH", "COMMENT");

    private final Account account;
    private final SecureRandom random = new SecureRandom();

    SqlInterpreter(Account account) {
        this.account = account;
    }

    Result execute(Session session, String sql) {
        SqlCursor c = new SqlCursor(sql);
        synchronized (account) {
            return statement(new StatementContext(account, session, c, this::newSecret), c);
        }
    }

    /** A new PAT secret: opaque and URL-safe (Snowflake documents no format). */
    String newSecret() {
        byte[] bytes = new byte[48];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Result statement(StatementContext x, SqlCursor c) {
        if (c.atEnd())
            throw SnowflakeError.syntaxAtEnd();
        if (c.accept("SELECT"))
            return c.acceptSymbol("*") ? x.policies.selectPolicyReferences() : x.objects.select();
        if (c.accept("SHOW"))
            return show(x, c);
        if (c.accept("DESCRIBE") || c.accept("DESC"))
            return describe(x, c);
        if (c.accept("CREATE"))
            return create(x, c);
        if (c.accept("ALTER"))
            return alter(x, c);
        if (c.accept("DROP"))
            return x.objects.drop();
        if (c.accept("GRANT"))
            return x.grants.grant();
        if (c.accept("REVOKE"))
            return x.grants.revoke();
        if (c.accept("USE"))
            return x.objects.use();
        if (c.accept("BEGIN") || c.accept("START", "TRANSACTION")) {
            c.accept("TRANSACTION");
            c.accept("WORK");
            c.expectEnd();
            return Result.status(Result.TCL, "Statement executed successfully.");
        }
        if (c.accept("COMMIT") || c.accept("ROLLBACK")) {
            c.accept("WORK");
            c.expectEnd();
            return Result.status(Result.TCL, "Statement executed successfully.");
        }
        String first = c.peek().text().toUpperCase(Locale.ROOT);
        if (UNSUPPORTED_STATEMENTS.contains(first))
            throw SnowflakeError.unsupported(first);
        throw c.unexpected();
    }

    private static Result create(StatementContext x, SqlCursor c) {
        boolean orReplace = c.accept("OR", "REPLACE");
        boolean orAlter = !orReplace && c.accept("OR", "ALTER");
        if (c.accept("ROLE"))
            return x.objects.createRole(orReplace);
        if (c.accept("USER"))
            return x.users.createUser(orReplace);
        if (c.accept("DATABASE"))
            return x.objects.createDatabase(orReplace);
        if (c.accept("SCHEMA"))
            return x.objects.createSchema(orReplace);
        if (c.accept("WAREHOUSE"))
            return x.objects.createWarehouse(orReplace);
        if (c.accept("AUTHENTICATION", "POLICY"))
            return x.policies.createAuthPolicy(orReplace, orAlter);
        if (c.accept("NETWORK", "RULE"))
            return x.policies.createNetworkRule(orReplace);
        if (c.accept("NETWORK", "POLICY"))
            return x.policies.createNetworkPolicy(orReplace);
        if (orAlter)
            throw c.unexpected();
        throw SnowflakeError.unsupported("CREATE " + c.peek().text().toUpperCase(Locale.ROOT));
    }

    private static Result alter(StatementContext x, SqlCursor c) {
        if (c.accept("USER"))
            return x.users.alterUser();
        if (c.accept("ACCOUNT"))
            return x.policies.alterAccount();
        if (c.accept("AUTHENTICATION", "POLICY"))
            return x.policies.alterAuthPolicy();
        if (c.accept("NETWORK", "POLICY"))
            return x.policies.alterNetworkPolicy();
        if (c.accept("NETWORK", "RULE"))
            return x.policies.alterNetworkRule();
        if (c.accept("SESSION"))
            return x.objects.alterSession();
        if (c.accept("ROLE"))
            return x.objects.alterRole();
        throw SnowflakeError.unsupported("ALTER " + c.peek().text().toUpperCase(Locale.ROOT));
    }

    private static Result show(StatementContext x, SqlCursor c) {
        c.accept("TERSE");
        if (c.accept("USERS"))
            return x.users.showUsers();
        if (c.accept("USER", "PATS") || c.accept("USER", "PROGRAMMATIC", "ACCESS", "TOKENS"))
            return x.pats.showPats();
        if (c.accept("GRANTS"))
            return x.grants.showGrants();
        if (c.accept("ROLES"))
            return x.objects.showRoles();
        if (c.accept("AUTHENTICATION", "POLICIES"))
            return x.policies.showAuthPolicies();
        if (c.accept("NETWORK", "POLICIES"))
            return x.policies.showNetworkPolicies();
        if (c.accept("NETWORK", "RULES"))
            return x.policies.showNetworkRules();
        if (c.accept("DATABASES"))
            return x.objects.showDatabases();
        if (c.accept("WAREHOUSES"))
            return x.objects.showWarehouses();
        if (c.accept("PARAMETERS"))
            return x.objects.showParameters();
        throw SnowflakeError.unsupported("SHOW " + c.peek().text().toUpperCase(Locale.ROOT));
    }

    private static Result describe(StatementContext x, SqlCursor c) {
        if (c.accept("USER"))
            return x.users.describeUser();
        if (c.accept("AUTHENTICATION", "POLICY"))
            return x.policies.describeAuthPolicy();
        if (c.accept("NETWORK", "POLICY"))
            return x.policies.describeNetworkPolicy();
        throw SnowflakeError.unsupported("DESCRIBE " + c.peek().text().toUpperCase(Locale.ROOT));
    }
}
