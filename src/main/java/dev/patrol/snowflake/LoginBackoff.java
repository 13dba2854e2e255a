package dev.patrol.snowflake;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Back-off for one account's rotator logins. After a failed login the account counts as unavailable:
 * calls that would need a new session fail at once (naming the last failure) instead of each
 * waiting out a login timeout, and after the pause a single caller tries again while the others
 * keep failing fast. The pause doubles with every failure in a row, up to a limit; a login that
 * succeeds ends it. Statements on sessions already open are not affected.
 */
final class LoginBackoff {

    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    static final Duration MAX_PAUSE = Duration.ofSeconds(60);

    /** Why logins are failing now: the last failure, already safe to show. */
    record Unavailable(int code, String sqlState, String reason, long retryInMillis) {
    }

    private final LongSupplier nanoTime;
    private final AtomicBoolean trying = new AtomicBoolean();
    private int failures;
    private long pausedUntil;
    private int lastCode;
    private String lastSqlState;
    private String lastReason;

    LoginBackoff(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Null when this caller may log in (no failure, or the pause is over and nobody else is trying); else why not.
     * A caller given the go-ahead must report {@link #succeeded()} or {@link #failed}.
     */
    synchronized Unavailable admit() {
        if (failures == 0)
            return null;
        long wait = pausedUntil - nanoTime.getAsLong();
        if (wait <= 0 && trying.compareAndSet(false, true))
            return null;
        return new Unavailable(lastCode, lastSqlState, lastReason, Math.max(0, wait / 1_000_000));
    }

    synchronized void succeeded() {
        failures = 0;
        trying.set(false);
    }

    synchronized void failed(int code, String sqlState, String reason) {
        failures++;
        long pause = FIRST_PAUSE.toNanos() << Math.min(failures - 1, 10);
        pausedUntil = nanoTime.getAsLong() + Math.min(pause, MAX_PAUSE.toNanos());
        lastCode = code;
        lastSqlState = sqlState;
        lastReason = reason;
        trying.set(false);
    }
}
