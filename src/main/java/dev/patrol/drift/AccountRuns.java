package dev.patrol.drift;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import dev.patrol.PatrolException;
import dev.patrol.rotation.Workers;
import dev.patrol.snowflake.Accounts;
import io.quarkus.logging.Log;

/**
 * A report's per-account runs (drift scans, posture checks), side by side, so a slow account delays only its own
 * results. At most one run per account at a time: a report asked for while an account's run goes on (a hanging
 * account, overlapping sweeps) joins that run instead of starting another, so a hanging account holds one thread,
 * not one per request. Readers wait at most a given time; an account still running then is reported as such, and
 * its run goes on to set its own gauges when it ends.
 */
final class AccountRuns<T> {

    /** For callers that wait for every account (tests, a scheduled job that may not overlap itself). */
    static final Duration NO_LIMIT = Duration.ofDays(1);

    private final String what;
    private final ExecutorService runners;
    private final Map<String, CompletableFuture<List<T>>> inFlight = new ConcurrentHashMap<>();

    AccountRuns(String what, String threadName) {
        this.what = what;
        this.runners = Workers.growing(threadName);
    }

    /** Starts {@code work} for each account not running already, and returns at once. */
    void start(List<Accounts.Account> accounts, Function<Accounts.Account, List<T>> work) {
        accounts.forEach(a -> startOrJoin(a, work));
    }

    /**
     * Every account's results in order, from a run started now or one already going on; for an account whose run has
     * not ended within {@code wait}, {@code stillRunning}'s results.
     */
    List<T> run(List<Accounts.Account> accounts, Function<Accounts.Account, List<T>> work,
            Function<Accounts.Account, List<T>> stillRunning, Duration wait) {
        List<CompletableFuture<List<T>>> runs = accounts.stream().map(a -> startOrJoin(a, work)).toList();
        long deadline = System.nanoTime() + wait.toNanos();
        List<T> out = new ArrayList<>();
        for (int i = 0; i < accounts.size(); i++) {
            Accounts.Account a = accounts.get(i);
            out.addAll(Workers.join(runs.get(i), Math.max(0, deadline - System.nanoTime()))
                    .orElseGet(() -> stillRunning.apply(a)));
        }
        return out;
    }

    private CompletableFuture<List<T>> startOrJoin(Accounts.Account a, Function<Accounts.Account, List<T>> work) {
        return inFlight.compute(a.id(), (id, running) -> {
            // an ended run stays until the next replaces it: one entry per account
            if (running != null && !running.isDone())
                return running;
            CompletableFuture<List<T>> run = CompletableFuture.supplyAsync(() -> work.apply(a), runners);
            // a background run has no reader to report a failure outside its own guard to
            run.whenComplete((result, failure) -> {
                if (failure != null)
                    Log.warnf("%s of account %s failed: %s", what, id, PatrolException.safeMessage(failure));
            });
            return run;
        });
    }
}
