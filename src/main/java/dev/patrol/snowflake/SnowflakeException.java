package dev.patrol.snowflake;

import dev.patrol.PatrolException;

/**
 * A failed Snowflake operation: what, for which user, and Snowflake's error code and SQLSTATE.
 * {@link #transientFailure()} separates "try again later" (network, sessions, throttling) from
 * answers that will not change by retrying (privileges, missing objects, rule violations).
 */
public final class SnowflakeException extends PatrolException {

    private final String operation;
    private final String user;
    private final int code;
    private final String sqlState;
    private final boolean accountUnavailable;

    public SnowflakeException(String operation, String user, int code, String sqlState, String message, Throwable cause) {
        this(operation, user, code, sqlState, message, cause, false);
    }

    /** {@code accountUnavailable}: the rotator could not log in to the account, so nothing was asked of it. */
    public SnowflakeException(String operation, String user, int code, String sqlState, String message, Throwable cause,
            boolean accountUnavailable) {
        super("Snowflake " + operation + (user == null ? "" : " for " + user) + " failed"
                + (code != 0 ? " (" + code + (sqlState == null ? "" : "/" + sqlState) + ")" : "") + ": " + message, cause);
        this.operation = operation;
        this.user = user;
        this.code = code;
        this.sqlState = sqlState;
        this.accountUnavailable = accountUnavailable;
    }

    /** The rotator could not log in to the account (now or, within the login back-off, lately): nothing ran. */
    public boolean accountUnavailable() {
        return accountUnavailable;
    }

    public String operation() {
        return operation;
    }

    public String user() {
        return user;
    }

    public int code() {
        return code;
    }

    public String sqlState() {
        return sqlState;
    }

    /** Connection problems, expired sessions, timeouts and internal errors: retry with back-off. */
    public boolean transientFailure() {
        if (sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57014") || sqlState.equals("XX000")))
            return true;
        return code == 0 || code >= 200000 || code == 390111 || code == 390112 || code == 390114 || code == 390144
                || code == 604 || code == 625;
    }
}
