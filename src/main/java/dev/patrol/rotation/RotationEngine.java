package dev.patrol.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.patrol.PatrolException;
import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationPlanner.Plan;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.Secret;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.snowflake.SnowflakeAdmin.UserFacts;
import dev.patrol.snowflake.SnowflakeException;
import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.VaultClientException;
import dev.patrol.vault.Versioned;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;

/**
 * The rotation engine: for each registered connection, check the guardrails, plan, and carry out
 * mint, rotation, replacement or repair in a crash-safe order, then remove patrol's old tokens.
 *
 * <p>
 * Concurrency: every change to a connection happens under its intent, a lease in the
 * connection's state document taken with check-and-set. Whoever holds a live lease is the only
 * writer; others (a second replica, an API request, a retried request) see the connection as busy.
 * Before storing a new secret the owner claims the right to store by check-and-set on the same
 * document, so a suspension written meanwhile (incident response) wins: the owner removes the token
 * it made and stores nothing. A lease that expires (its owner died) is repaired from the facts it
 * recorded. The sweep lock only keeps replicas from sweeping the same connections at once.
 */
@Singleton
public final class RotationEngine {

    /** How a connection came out of a sweep or a request. */
    public enum Result {
        MINTED,
        ROTATED,
        REPLACED,
        REPAIRED,
        UNCHANGED,
        BUSY,
        SUSPENDED,
        BLOCKED,
        FAILED,
        BACKING_OFF,
        ABANDONED
    }

    public record Outcome(String connection, Result result, String detail, List<String> removed) {
    }

    /**
     * One sweep: every account's part, run side by side. {@code ran} when any part ran; {@code took} is the wall time of
     * the whole, each part's own is in {@code parts}.
     */
    public record SweepReport(boolean ran, List<Outcome> outcomes, Duration took, List<Part> parts) {

        public Optional<Outcome> of(String connection) {
            return outcomes.stream().filter(o -> o.connection().equals(connection)).findFirst();
        }
    }

    /**
     * Who asks and what for. {@code expirePreviousAfterHours} overrides how long the previous secret
     * stays valid (0 for a suspected leak); {@code rotateNow} rotates a secret that is not due.
     */
    public record Request(String requester, boolean rotateNow, OptionalInt expirePreviousAfterHours) {

        public static final Request SWEEP = new Request("sweep", false, OptionalInt.empty());

        public static Request rotateNow(String requester, OptionalInt expirePreviousAfterHours) {
            return new Request(requester, true, expirePreviousAfterHours);
        }

        public static Request mintIfNeeded(String requester) {
            return new Request(requester, false, OptionalInt.empty());
        }
    }

    /**
     * One account's part of a sweep. {@code ran} is false when this replica did not sweep the account: another replica held
     * its sweep lock, Vault did not answer, or this replica's previous sweep of the account was still running.
     */
    public record Part(String account, boolean ran, Duration took, String detail) {
    }

    /**
     * What the engine is configured with; {@code replicaId} names this process in leases and the sweep locks;
     * {@code concurrency} is per account.
     */
    public record Settings(Strategy strategy, int concurrency, String replicaId, Duration sweepLockTtl, Duration leaseTtl) {
    }

    /** The boundaries between the steps of a change, for tests that interleave replicas and requests deterministically. */
    public enum Step {
        INTENT_WRITTEN,
        SNOWFLAKE_CHANGED,
        VALIDATED,
        STORING_CLAIMED,
        RECORD_WRITTEN,
        INTENT_CLEARED
    }

    /** A test seam called at each step boundary; production uses none. */
    @FunctionalInterface
    public interface StepHook {
        void at(Step step, Connection connection);
    }

    /** Thrown when a new token would be the user's 16th: nothing changed, someone must make room. */
    public static final class TokenLimitReached extends PatrolException {
        TokenLimitReached(String message) {
            super(message);
        }
    }

    /** Thrown when a new secret does not log in with the registered role. */
    public static final class ValidationFailed extends PatrolException {
        ValidationFailed(String message) {
            super(message);
        }
    }

    /** The connection's state changed under a change in flight: someone else took it over or suspended it. */
    private static final class Preempted extends RuntimeException {
        final ConnectionState now;

        Preempted(ConnectionState now) {
            super(null, null, false, false);
            this.now = now;
        }
    }

    private static final Duration BACKOFF_START = Duration.ofSeconds(30);
    private static final Duration BACKOFF_MAX = Duration.ofHours(1);
    private static final int MAX_TOKENS = 15;

    private final Accounts accounts;
    private final SecretStore store;
    private final ConnectionRegistry registry;
    private final RotationPlanner planner;
    private final Settings settings;
    private final Clock clock;
    private final AuditLog audit;
    private final RotationMetrics metrics;
    private final Map<String, AccountSweeper> sweepers = new LinkedHashMap<>();
    private final ExecutorService parts;
    private final ScheduledExecutorService heartbeat;
    private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong calls = new AtomicLong();
    private volatile StepHook hook = (step, c) -> {
    };
    private volatile java.util.function.Consumer<Part> partHook = part -> {
    };

    private record Backoff(int failures, Instant next) {
    }

    @Inject
    public RotationEngine(Accounts accounts, SecretStore store, ConnectionRegistry registry, Settings settings,
            Clock clock,
            AuditLog audit, RotationMetrics metrics) {
        this.accounts = accounts;
        this.store = store;
        this.registry = registry;
        this.planner = new RotationPlanner(settings.strategy());
        this.settings = settings;
        this.clock = clock;
        this.audit = audit;
        this.metrics = metrics;
        for (Accounts.Account a : accounts.all()) {
            sweepers.put(a.id(), new AccountSweeper(a.id()));
            metrics.lastSweep(a.id());
        }
        this.parts = Workers.growing("patrol-sweep");
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "patrol-sweep-lock");
            t.setDaemon(true);
            return t;
        });
    }

    public Settings settings() {
        return settings;
    }

    /** Test seam: called at every step boundary of every change. */
    public void onStep(StepHook hook) {
        this.hook = hook;
    }

    /** Test seam: called when an account's part of a sweep has finished, and the next may start. */
    public void onPartDone(java.util.function.Consumer<Part> hook) {
        this.partHook = hook;
    }

    // ---------------------------------------------------------------- sweep

    /**
     * One sweep over every connection: each account's part on its own workers, side by side, so a
     * slow or failing account holds up only its own part. A part runs if this replica holds that
     * account's sweep lock, renewed while the part runs (a replica that loses it starts no further
     * connection), and if this replica's previous part for the account has finished: a part that
     * outlasts the interval delays the next sweep of its account only.
     */
    public SweepReport sweep() {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        List<Future<PartResult>> running = new ArrayList<>();
        for (AccountSweeper s : sweepers.values())
            running.add(parts.submit(() -> s.sweep(start)));
        List<PartResult> done = Workers.joinAll(running);
        List<Outcome> outcomes = new ArrayList<>();
        done.forEach(r -> outcomes.addAll(r.outcomes()));
        return new SweepReport(done.stream().anyMatch(r -> r.part().ran()), List.copyOf(outcomes),
                Duration.ofNanos(System.nanoTime() - startNanos), done.stream().map(PartResult::part).toList());
    }

    private record PartResult(Part part, List<Outcome> outcomes) {
    }

    /** One account's sweeps: its lock, its workers (as many as {@code concurrency}), and whether a part is running. */
    private final class AccountSweeper {
        final String account;
        final SweepLock lock;
        final ExecutorService workers;
        final AtomicBoolean running = new AtomicBoolean();
        /** The running part's hold on the lock; null between parts. */
        volatile Hold current;

        AccountSweeper(String account) {
            this.account = account;
            this.lock = new SweepLock(store, SweepLock.name(account), settings.replicaId(), settings.sweepLockTtl(), clock);
            this.workers = Workers.pool("patrol-rotation-" + account, settings.concurrency());
        }

        PartResult sweep(Instant start) {
            if (stopping.get())
                return skipped("patrol is stopping");
            if (!running.compareAndSet(false, true))
                return skipped("this replica's previous sweep of the account is still running");
            PartResult r;
            try {
                r = sweepHoldingFlag(start);
            } catch (RuntimeException e) {
                // A failure outside the per-connection guard (an unreadable lock document, a bug) costs this
                // account's part only; the other accounts' outcomes are still reported.
                Log.warnf("Sweep of account %s failed: %s", account, PatrolException.safeMessage(e));
                r = skipped("the sweep of the account failed: " + PatrolException.safeMessage(e));
            } finally {
                running.set(false);
            }
            partHook.accept(r.part());
            return r;
        }

        private PartResult sweepHoldingFlag(Instant start) {
            long startNanos = System.nanoTime();
            try {
                if (!lock.tryAcquire())
                    return skipped("another replica holds the sweep lock");
            } catch (VaultClientException e) {
                // No Vault, no rotation: a secret nobody can store must not replace one people hold.
                Log.warnf("Sweep of account %s skipped: %s", account, e.getMessage());
                return skipped("Vault did not answer: " + PatrolException.safeMessage(e));
            }
            // Each part's hold is its own: a heartbeat of an earlier part still waiting on Vault, whose renewal
            // fails because that part released the lock, must not take this part's hold away.
            Hold hold = new Hold();
            current = hold;
            long every = Math.max(1, settings.sweepLockTtl().toMillis() / 3);
            Future<?> renewal = heartbeat.scheduleAtFixedRate(hold::renew, every, every, TimeUnit.MILLISECONDS);
            try {
                List<Future<Outcome>> futures = new ArrayList<>();
                for (Connection c : registry.all()) {
                    if (!c.account().equals(account))
                        continue;
                    futures.add(workers.submit(() -> hold.held.get() && !stopping.get()
                            ? processIsolated(c, start)
                            : new Outcome(c.name(), Result.ABANDONED, "the sweep lock was lost or patrol is stopping",
                                    List.of())));
                }
                List<Outcome> outcomes = Workers.joinAll(futures);
                Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
                // a part that lost its lock did not sweep the whole account
                if (hold.held.get())
                    metrics.sweep(account, took);
                return new PartResult(new Part(account, true, took, outcomes.size() + " connections"), outcomes);
            } finally {
                renewal.cancel(false);
                current = null;
                try {
                    if (hold.held.getAndSet(false))
                        lock.release();
                } catch (RuntimeException e) {
                    // the lock expires by itself
                    Log.debugf("Sweep lock of %s not released: %s", account, PatrolException.safeMessage(e));
                }
            }
        }

        private PartResult skipped(String why) {
            return new PartResult(new Part(account, false, Duration.ZERO, why), List.of());
        }

        /** The running part's lock heartbeat (tests call it by hand to play a replica that stalled and lost its lock). */
        void renewLock() {
            Hold h = current;
            if (h != null)
                h.renew();
        }

        /** One part's hold on the account's sweep lock, renewed by that part's heartbeat only. */
        final class Hold {
            final AtomicBoolean held = new AtomicBoolean(true);

            void renew() {
                if (held.get() && !lock.renew()) {
                    held.set(false);
                    Log.warnf("Sweep lock of account %s lost to another replica; starting no further connection in it",
                            account);
                }
            }
        }
    }

    /** Every account's sweep-lock heartbeat, now (tests play a replica that stalled and lost its locks). */
    void renewSweepLock() {
        sweepers.values().forEach(AccountSweeper::renewLock);
    }

    private Outcome processIsolated(Connection c, Instant sweepStart) {
        Backoff b = backoff.get(c.name());
        if (b != null && sweepStart.isBefore(b.next()))
            return new Outcome(c.name(), Result.BACKING_OFF, "retry after " + b.next(), List.of());
        Outcome o;
        boolean accountDown = false;
        try {
            o = process(c, Request.SWEEP);
        } catch (RuntimeException e) {
            accountDown = e instanceof SnowflakeException se && se.accountUnavailable();
            o = new Outcome(c.name(), Result.FAILED, PatrolException.safeMessage(e), List.of());
            audit.record(AuditLog.Event.about(c, "rotation", "patrol", null, "failure", o.detail()));
            Log.warnf("Rotation of %s failed: %s", c.name(), o.detail());
        }
        if (o.result() == Result.FAILED) {
            // While the account is down its own login back-off paces the retries; the connection's grows only
            // with failures of its own, so it is swept again soon after the account is back.
            int failures = (b == null ? 0 : b.failures()) + (accountDown ? 0 : 1);
            Duration wait = BACKOFF_START.multipliedBy(1L << Math.min(Math.max(failures - 1, 0), 10));
            if (wait.compareTo(BACKOFF_MAX) > 0)
                wait = BACKOFF_MAX;
            backoff.put(c.name(), new Backoff(failures, clock.instant().plus(wait)));
        } else if (o.result() != Result.BUSY && o.result() != Result.ABANDONED && o.result() != Result.REPAIRED) {
            // A repair only clears up after the failed change (it follows every failure after the lease was taken):
            // only a change that succeeds shows the connection works again.
            backoff.remove(c.name());
        }
        metrics.outcome(c, o.result());
        return o;
    }

    // ---------------------------------------------------------------- one connection

    /** Works on one connection now, as {@code request} asks. */
    public Outcome process(Connection c, Request request) {
        String me = settings.replicaId() + "/" + request.requester() + "-" + Long.toHexString(calls.incrementAndGet());
        try {
            return work(c, request, me);
        } catch (Preempted p) {
            if (p.now.suspended())
                return new Outcome(c.name(), Result.SUSPENDED, "suspended while a change was in flight", List.of());
            return new Outcome(c.name(), Result.BUSY, "another writer took the connection over", List.of());
        } catch (RuntimeException e) {
            abandon(c, me);
            throw e;
        } finally {
            store.current(c.name()).ifPresent(r -> metrics.secret(c, r.value().createdAt(), r.value().expiresAt()));
        }
    }

    private Outcome work(Connection c, Request request, String me) {
        ConnectionState state = readState(c);
        if (state.suspended())
            return new Outcome(c.name(), Result.SUSPENDED, state.suspension().reason(), List.of());
        Instant now = clock.instant();
        if (state.intent().filter(i -> i.live(now)).isPresent())
            return busy(c, state.intent().get());

        String refusal = guardrail(c, accounts.admin(c).describeUser(c.user()));
        if (refusal != null)
            return refuse(c, refusal, state);
        if (state.blocked() != null) {
            state = writeState(c, state.withBlocked(null));
            metrics.blocked(c, false);
        }

        List<PatInfo> pats = accounts.admin(c).listPats(c.user());
        Optional<Versioned<TokenRecord>> stored = store.current(c.name());
        // The metadata read is only needed when the latest version is unreadable (destroyed or deleted).
        long version = stored.map(Versioned::version).orElseGet(() -> store.currentVersion(c.name()));
        // A record of another account (the connection was moved in configuration) is no secret of this
        // one: plan as if there were none, so a secret of this account replaces it.
        String here = accounts.of(c).endpoint().account();
        String recordedAccount = stored.map(v -> v.value().account()).filter(a -> a != null && !a.equalsIgnoreCase(here))
                .orElse(null);
        // Unless the recorded token is patrol's own here (its name and comment): then the identifier names the same
        // account another way (a locator replaced by the organization name) and people hold a live secret of it, which
        // is replaced with its grace like any other, never removed at once as a stranger's.
        boolean recordedHere = recordedAccount != null && pats.stream().anyMatch(p -> p.rotatedTo() == null
                && p.name().equals(stored.get().value().tokenName()) && RotationPlanner.ours(p, c));
        boolean moved = recordedAccount != null && !recordedHere;
        Optional<Versioned<TokenRecord>> current = moved ? Optional.empty() : stored;
        Plan plan = planner.plan(c, current.map(Versioned::value), pats, state, now, request.rotateNow());
        if (recordedHere && plan.kind() == RotationPlanner.Kind.NOTHING) {
            plan = new Plan(RotationPlanner.Kind.REPLACE,
                    "the account identifier changed from " + recordedAccount + " to " + here
                            + " (if that is another account, its tokens there are no longer patrol's to manage: remove them there)",
                    plan.remove());
        } else if (moved) {
            plan = new Plan(plan.kind(), plan.reason() + "; the connection moved from account " + recordedAccount
                    + ", where its tokens are no longer patrol's to manage: remove them there", plan.remove());
        }
        return switch (plan.kind()) {
            case SUSPENDED -> new Outcome(c.name(), Result.SUSPENDED, plan.reason(), List.of());
            case BUSY -> busy(c, state.intent().orElseThrow());
            case BLOCKED -> refuse(c, plan.reason(), state);
            case REPAIR -> repair(c, me, state, pats, current, version);
            case NOTHING -> plan.remove().isEmpty() ? new Outcome(c.name(), Result.UNCHANGED, plan.reason(), List.of())
                    : cleanupOnly(c, me, state, plan, version);
            case MINT -> add(c, me, RotationPlanner.tokenName(c), Intent.Op.MINT, state, pats, current, version, plan, request);
            case REPLACE ->
                add(c, me, freshReplacementName(c, now, pats), Intent.Op.ADD, state, pats, current, version, plan, request);
            case ROTATE -> rotate(c, me, state, pats, current.orElseThrow(), version, plan, request);
        };
    }

    /**
     * A change that failed (Snowflake refused, Vault hiccuped, validation failed) ends its own lease
     * at once, so the next sweep repairs it by looking instead of waiting for the lease to run out.
     * A process that dies cannot do this; its lease ends by itself.
     */
    private void abandon(Connection c, String me) {
        try {
            ConnectionState now = readState(c);
            Optional<Intent> mine = now.intent().filter(i -> i.owner().equals(me));
            if (mine.isPresent())
                writeState(c, now.withIntent(mine.get().renewed(clock.instant())));
        } catch (RuntimeException e) {
            // the lease ends by itself
        }
    }

    private Outcome busy(Connection c, Intent i) {
        return new Outcome(c.name(), Result.BUSY,
                "a change by " + i.owner() + " is in flight (lease until " + i.leaseUntil() + ")", List.of());
    }

    /** The user exists, is TYPE=SERVICE, is enabled, holds the registered role and no role but PUBLIC beside it. */
    static String guardrail(Connection c, UserFacts f) {
        if (!f.exists())
            return "user " + c.user() + " does not exist (or the rotator may not see it)";
        if (!"SERVICE".equals(f.type()))
            return "user " + c.user() + " is TYPE=" + (f.type() == null ? "NULL (PERSON)" : f.type())
                    + "; only TYPE=SERVICE users can be forced to use a role restriction";
        if (f.disabled())
            return "user " + c.user() + " is disabled";
        if (!f.roles().contains(c.role()))
            return "user " + c.user() + " does not hold its registered role " + c.role();
        Set<String> extra = f.rolesBeside(c.role());
        if (!extra.isEmpty())
            return "user " + c.user() + " holds roles besides " + c.role() + ": " + String.join(", ", extra);
        return null;
    }

    private Outcome refuse(Connection c, String reason, ConnectionState state) {
        if (state.blocked() == null || !reason.equals(state.blocked().reason())) {
            try {
                writeState(c, state.withBlocked(new ConnectionState.Blocked(reason, clock.instant())));
            } catch (CasConflictException e) {
                // another replica recorded it at the same moment
            }
            audit.record(AuditLog.Event.about(c, "guardrail", "patrol", null, "refused", reason));
            Log.warnf("Not minting for %s: %s", c.name(), reason);
        }
        metrics.blocked(c, true);
        return new Outcome(c.name(), Result.BLOCKED, reason, List.of());
    }

    // ---------------------------------------------------------------- the crash-safe steps

    /** First mint (MINT, fixed name) or replacement (ADD, fresh name): lease, ADD, validate, claim, record, release. */
    private Outcome add(Connection c, String me, String name, Intent.Op op, ConnectionState state, List<PatInfo> pats,
            Optional<Versioned<TokenRecord>> current, long version, Plan plan, Request request) {
        ensureRoom(c, pats, 1, plan.remove());
        boolean endPrevious = op == Intent.Op.ADD && current.isPresent() && request.expirePreviousAfterHours().orElse(-1) == 0
                && !current.get().value().tokenName().equals(name);
        Intent intent = newIntent(me, op, name, version, before(current, pats));
        if (endPrevious)
            intent = intent.endingPrevious();
        ConnectionState leased = acquire(c, state, intent);
        List<String> removed = removeOld(c, plan.remove());
        if (pats.stream().anyMatch(p -> p.name().equals(name))) {
            // An unrecorded token under the name to mint: nobody holds its secret.
            accounts.admin(c).removePat(c.user(), name);
        }
        SnowflakeAdmin.Added added = accounts.admin(c).addPat(c.user(), name, c.role(), c.daysToExpiry(),
                RotationPlanner.comment(c));
        hook.at(Step.SNOWFLAKE_CHANGED, c);
        String detail = plan.reason();
        if (store(c, leased, intent, added.tokenName(), added.secret(), version)) {
            if (endPrevious) {
                // A suspected leak: the replaced secret was removed under the lease, right after the record write.
                removed.add(current.get().value().tokenName());
                detail += "; previous token " + current.get().value().tokenName() + " removed at once";
            } else if (op == Intent.Op.ADD && current.isPresent()) {
                detail += "; previous token " + current.get().value().tokenName() + " removed after the " + c.graceHours()
                        + "h grace";
            }
            audit.record(AuditLog.Event.about(c, op == Intent.Op.MINT ? "mint" : "replace", request.requester(),
                    added.tokenName(), "success", detail));
            return new Outcome(c.name(), op == Intent.Op.MINT ? Result.MINTED : Result.REPLACED, detail, removed);
        }
        return suspendedMeanwhile(c, intent.owner(), added.tokenName(), removed);
    }

    /**
     * Snowflake's ROTATE: lease, ROTATE with the grace, validate, claim, record, release (the old secret expires by itself).
     */
    private Outcome rotate(Connection c, String me, ConnectionState state, List<PatInfo> pats, Versioned<TokenRecord> current,
            long version, Plan plan,
            Request request) {
        int hours = request.expirePreviousAfterHours().orElse(c.graceHours());
        TokenRecord r = current.value();
        if (hours > 0)
            ensureRoom(c, pats, 1, plan.remove());
        Intent intent = newIntent(me, Intent.Op.ROTATE, r.tokenName(), version, before(Optional.of(current), pats));
        ConnectionState leased = acquire(c, state, intent);
        List<String> removed = removeOld(c, plan.remove());
        SnowflakeAdmin.Rotated rotated = accounts.admin(c).rotatePat(c.user(), r.tokenName(), hours);
        hook.at(Step.SNOWFLAKE_CHANGED, c);
        if (store(c, leased, intent, rotated.tokenName(), rotated.secret(), version)) {
            audit.record(AuditLog.Event.about(c, "rotate", request.requester(), rotated.tokenName(), "success",
                    plan.reason() + "; previous secret " + rotated.rotatedTokenName()
                            + (hours == 0 ? " expired at once" : " expires in " + hours + "h")));
            return new Outcome(c.name(), Result.ROTATED, plan.reason(), removed);
        }
        return suspendedMeanwhile(c, intent.owner(), rotated.tokenName(), removed);
    }

    /** A replacement's name carries its creation second; two replacements within one second take the next free second. */
    private static String freshReplacementName(Connection c, Instant now, List<PatInfo> pats) {
        Set<String> taken = new java.util.HashSet<>();
        pats.forEach(p -> taken.add(p.name()));
        Instant at = now;
        while (taken.contains(RotationPlanner.replacementName(c, at)))
            at = at.plusSeconds(1);
        return RotationPlanner.replacementName(c, at);
    }

    /**
     * Removes patrol's old tokens under a lease of their own, so no other writer's token in flight is mistaken for a lost one.
     */
    private Outcome cleanupOnly(Connection c, String me, ConnectionState state, Plan plan, long version) {
        ConnectionState leased = acquire(c, state,
                newIntent(me, Intent.Op.CLEANUP, RotationPlanner.tokenName(c), version, Intent.Before.NONE));
        List<String> removed = removeOld(c, plan.remove());
        release(c, leased);
        return new Outcome(c.name(), Result.UNCHANGED, plan.reason(), removed);
    }

    /**
     * Validates the new secret, claims the right to store it, stores it and releases the lease.
     * Returns false, having stored nothing, when the connection was suspended meanwhile.
     */
    private boolean store(Connection c, ConnectionState leased, Intent intent, String tokenName, Secret secret, long version) {
        validate(c, secret);
        hook.at(Step.VALIDATED, c);
        ConnectionState claimed;
        try {
            claimed = writeState(c, leased.withIntent(intent.storing().renewed(clock.instant().plus(settings.leaseTtl()))));
        } catch (CasConflictException e) {
            ConnectionState now = readState(c);
            if (now.suspended())
                return false;
            throw new Preempted(now);
        }
        hook.at(Step.STORING_CLAIMED, c);
        writeRecord(c, record(c, tokenName, secret), version);
        hook.at(Step.RECORD_WRITTEN, c);
        endPrevious(c, intent);
        release(c, claimed);
        return true;
    }

    /** A suspension won the race: the token just made goes again, and the lease is given back; the revocation does the rest. */
    private Outcome suspendedMeanwhile(Connection c, String owner, String tokenName, List<String> removed) {
        accounts.admin(c).removePat(c.user(), tokenName);
        releaseLatest(c, owner);
        audit.record(AuditLog.Event.about(c, "remove", "patrol", tokenName, "removed",
                "the connection was suspended while this token was being made; nothing was stored"));
        List<String> all = new ArrayList<>(removed);
        all.add(tokenName);
        return new Outcome(c.name(), Result.SUSPENDED, "suspended while a change was in flight; the new token was removed",
                all);
    }

    /**
     * Finishes or undoes a change whose owner's lease ended, from the facts its intent recorded:
     * first the lease is taken over (so a late owner can no longer claim the right to store), then
     * Snowflake and Vault are compared with the recorded facts.
     */
    private Outcome repair(Connection c, String me, ConnectionState state, List<PatInfo> pats,
            Optional<Versioned<TokenRecord>> current, long version) {
        Intent interrupted = state.intent().orElseThrow();
        Intent i = interrupted.takenOverBy(me, clock.instant().plus(settings.leaseTtl()));
        ConnectionState leased = acquire(c, state, i);
        // A newer record that predates the change is a repair's fence (a copy of the record the change
        // started from, see below) whose writer died before storing: the rotation is still unfinished.
        boolean fencedOnly = version > i.fromVersion() && i.op() == Intent.Op.ROTATE && current.isPresent()
                && current.get().value().createdAt().isBefore(i.started());
        if (version > i.fromVersion() && !fencedOnly) {
            endPrevious(c, i);
            release(c, leased);
            return repaired(c, i, "the change had completed; intent cleared");
        }
        switch (i.op()) {
            case CLEANUP -> {
                release(c, leased);
                return repaired(c, i, "an interrupted cleanup; the next sweep removes what is left");
            }
            case ROTATE -> {
                PatInfo live = pats.stream().filter(p -> p.name().equals(i.tokenName()) && p.rotatedTo() == null).findFirst()
                        .orElse(null);
                if (live == null) {
                    release(c, leased);
                    return repaired(c, i, "the token is gone; the next sweep mints again");
                }
                boolean rotatedSince = i.before().createdOn() != null ? !i.before().createdOn().equals(live.createdOn())
                        : live.createdOn() != null && live.createdOn().isAfter(i.started().minus(Duration.ofMinutes(1)));
                if (!rotatedSince) {
                    release(c, leased);
                    return repaired(c, i, "nothing had happened; intent cleared");
                }
                // The new secret was lost. Rotating again with 0 hours expires only it (the secret people
                // hold is already the _ROTATED_ row with its own grace). If its owner had claimed the right
                // to store it, that owner may still write it (check-and-set on the record version): fence
                // it first by writing the current record again, so its write can no longer land. Without
                // a readable record to fence with, the lost secret keeps the full grace instead.
                int hours = 0;
                long from = version;
                if (i.phase() == Intent.Phase.STORING && !fencedOnly) {
                    if (current.isEmpty()) {
                        hours = c.graceHours();
                    } else {
                        try {
                            from = store.write(c.name(), current.get().value(), version);
                        } catch (CasConflictException stored) {
                            release(c, leased);
                            return repaired(c, i, "the change had completed; intent cleared");
                        }
                    }
                }
                SnowflakeAdmin.Rotated again = accounts.admin(c).rotatePat(c.user(), i.tokenName(), hours);
                hook.at(Step.SNOWFLAKE_CHANGED, c);
                if (!store(c, leased, i, again.tokenName(), again.secret(), from))
                    return suspendedMeanwhile(c, i.owner(), again.tokenName(), List.of());
                audit.record(AuditLog.Event.about(c, "rotate", "patrol", again.tokenName(), "repaired",
                        "an interrupted rotation was finished; the lost secret " + again.rotatedTokenName()
                                + (hours == 0 ? " expired at once" : " expires in " + hours + "h")));
                return new Outcome(c.name(), Result.REPAIRED, "interrupted rotation finished", List.of());
            }
            default -> {
                boolean made = pats.stream().anyMatch(p -> p.name().equals(i.tokenName()) && p.rotatedTo() == null);
                if (made) {
                    accounts.admin(c).removePat(c.user(), i.tokenName());
                    audit.record(AuditLog.Event.about(c, "remove", "patrol", i.tokenName(), "removed",
                            "a token whose secret was lost in an interrupted " + i.op().name().toLowerCase() + " was removed"));
                }
                release(c, leased);
                return repaired(c, i,
                        made ? "lost token removed; the next sweep mints again" : "nothing had happened; intent cleared");
            }
        }
    }

    /** {@code expire-previous-after=0h} on a replacement: once the new record is written, the previous token goes at once. */
    private void endPrevious(Connection c, Intent i) {
        if (!i.endPrevious() || i.before().tokenName() == null || i.before().tokenName().equals(i.tokenName()))
            return;
        accounts.admin(c).removePat(c.user(), i.before().tokenName());
        audit.record(AuditLog.Event.about(c, "remove", "patrol", i.before().tokenName(), "removed",
                "the replaced token was ended at once (expire-previous-after=0h)"));
    }

    private Outcome repaired(Connection c, Intent intent, String detail) {
        audit.record(AuditLog.Event.about(c, "repair", "patrol", intent.tokenName(), "repaired", detail));
        return new Outcome(c.name(), Result.REPAIRED, detail, List.of());
    }

    // ---------------------------------------------------------------- leases

    private Intent newIntent(String owner, Intent.Op op, String tokenName, long fromVersion, Intent.Before before) {
        Instant now = clock.instant();
        return new Intent(op, tokenName, owner, now, now.plus(settings.leaseTtl()), fromVersion, Intent.Phase.CHANGING, before);
    }

    private static Intent.Before before(Optional<Versioned<TokenRecord>> current, List<PatInfo> pats) {
        if (current.isEmpty())
            return Intent.Before.NONE;
        String name = current.get().value().tokenName();
        PatInfo p = pats.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        return new Intent.Before(name, p == null ? null : p.createdOn(),
                p == null ? current.get().value().expiresAt() : p.expiresAt());
    }

    /** Takes the connection's lease by check-and-set on the state read before planning; anyone faster wins. */
    private ConnectionState acquire(Connection c, ConnectionState state, Intent intent) {
        ConnectionState leased;
        try {
            leased = writeState(c, state.withIntent(intent));
        } catch (CasConflictException e) {
            throw new Preempted(readState(c));
        }
        hook.at(Step.INTENT_WRITTEN, c);
        // A stall between taking the lease and the first Snowflake change (a GC pause, a partition) may
        // outlast the lease: a revocation may have answered complete, or a repair taken over. Look again
        // before changing anything; a suspension that arrived meanwhile gets the lease back at once.
        ConnectionState now = readState(c);
        boolean mine = now.intent().filter(x -> x.owner().equals(intent.owner())).isPresent() && intent.live(clock.instant());
        if (now.suspended() || !mine) {
            if (mine)
                releaseLatest(c, intent.owner());
            throw new Preempted(now);
        }
        return leased;
    }

    /** Gives the lease back, keeping whatever else was written meanwhile (a suspension). */
    private void release(Connection c, ConnectionState claimed) {
        try {
            writeState(c, claimed.withIntent(null));
        } catch (CasConflictException e) {
            releaseLatest(c, claimed.intent().map(Intent::owner).orElse(null));
        }
        hook.at(Step.INTENT_CLEARED, c);
    }

    /** Clears the lease if it is still {@code owner}'s: a lease another writer took over (a repair) is theirs to end. */
    private void releaseLatest(Connection c, String owner) {
        for (int attempt = 0; attempt < 5; attempt++) {
            ConnectionState now = readState(c);
            if (now.intent().filter(i -> i.owner().equals(owner)).isEmpty())
                return;
            try {
                writeState(c, now.withIntent(null));
                return;
            } catch (CasConflictException e) {
                // written meanwhile (a suspension): read again
            }
        }
        Log.warnf("Could not release the lease on %s; it expires by itself", c.name());
    }

    private ConnectionState readState(Connection c) {
        return ConnectionState.read(store, c.name());
    }

    private ConnectionState writeState(Connection c, ConnectionState next) {
        return next.write(store, c.name());
    }

    // ---------------------------------------------------------------- Snowflake and Vault steps

    private List<String> removeOld(Connection c, List<String> names) {
        List<String> removed = new ArrayList<>();
        for (String name : names) {
            accounts.admin(c).removePat(c.user(), name);
            removed.add(name);
            audit.record(AuditLog.Event.about(c, "remove", "patrol", name, "removed",
                    "old secret past its grace window"));
        }
        return removed;
    }

    /** Keeps the user under Snowflake's 15-token limit: refuses (before any change) when there is no room. */
    private void ensureRoom(Connection c, List<PatInfo> pats, int needed, List<String> goingAnyway) {
        long live = pats.stream().filter(p -> !"EXPIRED".equals(p.status()) && !goingAnyway.contains(p.name())).count();
        if (live + needed > MAX_TOKENS) {
            throw new TokenLimitReached("user " + c.user() + " holds " + live + " live tokens; Snowflake allows " + MAX_TOKENS
                    + " and none of them is patrol's to remove");
        }
    }

    private void validate(Connection c, Secret secret) {
        String role = accounts.admin(c).validate(c.user(), c.role(), secret);
        if (!c.role().equals(role))
            throw new ValidationFailed("the new secret logs in with role " + role + ", not " + c.role());
    }

    private TokenRecord record(Connection c, String tokenName, Secret secret) {
        Instant now = clock.instant();
        Map<String, String> params = new LinkedHashMap<>(accounts.of(c).endpoint().clientParameters());
        c.warehouse().ifPresent(w -> params.put("warehouse", w));
        c.database().ifPresent(d -> params.put("database", d));
        c.schema().ifPresent(s -> params.put("schema", s));
        return new TokenRecord(secret.reveal(), tokenName, c.user(), c.role(), accounts.of(c).endpoint().account(), now,
                now.plus(Duration.ofDays(c.daysToExpiry())), params);
    }

    /** Stores the new secret with check-and-set; Vault hiccups are retried briefly, a conflict is not. */
    private void writeRecord(Connection c, TokenRecord record, long expectedVersion) {
        for (int attempt = 1;; attempt++) {
            try {
                store.write(c.name(), record, expectedVersion);
                return;
            } catch (CasConflictException e) {
                throw e;
            } catch (VaultClientException e) {
                if (!e.unavailable() || attempt >= 3)
                    throw e;
                Workers.sleep(Duration.ofMillis(200L * attempt * attempt));
            }
        }
    }

    /**
     * On shutdown: no new connection starts; changes in flight are abandoned under their leases, which expire by themselves.
     */
    void stop(@Observes @Priority(STOP_PRIORITY) ShutdownEvent event) {
        close();
    }

    /** Before the Snowflake sessions close. */
    static final int STOP_PRIORITY = dev.patrol.snowflake.SnowflakeBeans.CLOSE_PRIORITY - 100;

    public void close() {
        stopping.set(true);
        heartbeat.shutdownNow();
        parts.shutdownNow();
        sweepers.values().forEach(s -> s.workers.shutdownNow());
    }
}
