package dev.patrol.drift;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import dev.patrol.rotation.Workers;
import dev.patrol.snowflake.Accounts;

/**
 * A report's per-account runs (drift scans, posture checks), side by side, so a slow account delays only its own
 * results. At most one run per account at a time: a report asked for while an account's last run goes on (a hanging
 * account, overlapping sweeps) does not start another, so no further thread waits on it. A reader waits at most a
 * given time; an account still running then is reported as such, and its run goes on to update the gauges itself.
 */
final class AccountRuns<T> {

    /** For the scheduled runs, which wait for every account. */
    static final Duration NO_LIMIT = Duration.ofDays(1);

    private final ExecutorService runners;
    private final Map<String, AtomicBoolean> running = new ConcurrentHashMap<>();

    AccountRuns(String threadName) {
        this.runners = Workers.growing(threadName);
    }

    /**
     * Runs {@code work} for each account not already running and returns every account's results in order; for an
     * account that is still running (from before, or after {@code wait}), {@code stillRunning}'s results.
     */
    List<T> run(List<Accounts.Account> accounts, Function<Accounts.Account, List<T>> work,
            Function<Accounts.Account, List<T>> stillRunning, Duration wait) {
        List<Future<List<T>>> started = new ArrayList<>();
        for (Accounts.Account a : accounts) {
            AtomicBoolean busy = running.computeIfAbsent(a.id(), id -> new AtomicBoolean());
            if (!busy.compareAndSet(false, true)) {
                started.add(null);
                continue;
            }
            try {
                started.add(runners.submit(() -> {
                    try {
                        return work.apply(a);
                    } finally {
                        busy.set(false);
                    }
                }));
            } catch (RuntimeException e) {
                busy.set(false);
                throw e;
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<T> out = new ArrayList<>();
        for (int i = 0; i < accounts.size(); i++) {
            Future<List<T>> f = started.get(i);
            try {
                out.addAll(f == null ? stillRunning.apply(accounts.get(i))
                        : f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                out.addAll(stillRunning.apply(accounts.get(i)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for parallel work");
            } catch (ExecutionException e) {
                throw new IllegalStateException("unexpected failure outside the per-item guard", e.getCause());
            }
        }
        return out;
    }
}
