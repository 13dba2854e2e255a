package dev.patrol.devservices.snowflake;

import java.util.function.Supplier;

/**
 * One statement being run: the account, the session, the cursor over the statement's tokens, the
 * session's privileges, and the statement families, which call one another through it.
 */
final class StatementContext {

    private final Account account;
    private final Session session;
    private final SqlCursor cursor;
    private final Privileges privileges;
    private final Supplier<String> secrets;
    final ObjectStatements objects;
    final UserStatements users;
    final PatStatements pats;
    final PolicyStatements policies;
    final GrantStatements grants;

    StatementContext(Account account, Session session, SqlCursor cursor, Supplier<String> secrets) {
        this.account = account;
        this.session = session;
        this.cursor = cursor;
        this.secrets = secrets;
        this.privileges = new Privileges(account, session);
        this.objects = new ObjectStatements(this);
        this.users = new UserStatements(this);
        this.pats = new PatStatements(this);
        this.policies = new PolicyStatements(this);
        this.grants = new GrantStatements(this);
    }

    Account account() {
        return account;
    }

    Session session() {
        return session;
    }

    SqlCursor cursor() {
        return cursor;
    }

    Privileges privileges() {
        return privileges;
    }

    /** A new PAT secret, shown once. */
    String newSecret() {
        return secrets.get();
    }
}
