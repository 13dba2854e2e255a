package dev.patrol.devservices.snowflake;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Faults the Snowflake emulator injects on request, for tests of patrol's failure handling: added
 * latency per statement, the next N statements (optionally only those matching a pattern) failing
 * with a given Snowflake error, refused logins, and dropped connections.
 */
public final class SnowflakeFaults {

    private volatile Duration statementLatency = Duration.ZERO;
    private volatile boolean refuseLogins;
    private final AtomicInteger dropNext = new AtomicInteger();
    private final Deque<Failure> failures = new ArrayDeque<>();

    private static final class Failure {
        final Pattern sql;
        final SnowflakeError error;
        int remaining;

        Failure(Pattern sql, SnowflakeError error, int remaining) {
            this.sql = sql;
            this.error = error;
            this.remaining = remaining;
        }
    }

    /** Every statement waits this long before it runs (logins are not delayed). */
    public void statementLatency(Duration latency) {
        this.statementLatency = latency;
    }

    public Duration statementLatency() {
        return statementLatency;
    }

    /** The next {@code count} statements fail with this error instead of running. */
    public void failNextStatements(int count, String code, String sqlState, String message) {
        failNextStatementsMatching(count, null, code, sqlState, message);
    }

    /**
     * The next {@code count} statements whose text matches {@code sqlRegex} (case-insensitive, found
     * anywhere in the text; null matches all) fail with this error instead of running.
     */
    public void failNextStatementsMatching(int count, String sqlRegex, String code, String sqlState, String message) {
        Pattern p = sqlRegex == null ? null : Pattern.compile(sqlRegex, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        synchronized (failures) {
            failures.add(new Failure(p, new SnowflakeError(code, sqlState, message), count));
        }
    }

    /** While on, every login fails with a Snowflake error (the account is up, logins are not). */
    public void refuseLogins(boolean refuse) {
        this.refuseLogins = refuse;
    }

    /** The next {@code count} HTTP requests of any kind are answered by closing the connection. */
    public void dropNextRequests(int count) {
        dropNext.set(count);
    }

    public void reset() {
        statementLatency = Duration.ZERO;
        refuseLogins = false;
        dropNext.set(0);
        synchronized (failures) {
            failures.clear();
        }
    }

    boolean loginsRefused() {
        return refuseLogins;
    }

    boolean takeDrop() {
        return dropNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** The injected error for this statement, if one is due; consumes one use of it. */
    SnowflakeError takeFailure(String sql) {
        synchronized (failures) {
            for (Iterator<Failure> it = failures.iterator(); it.hasNext();) {
                Failure f = it.next();
                if (f.sql == null || f.sql.matcher(sql).find()) {
                    if (--f.remaining <= 0)
                        it.remove();
                    return f.error;
                }
            }
        }
        return null;
    }
}
