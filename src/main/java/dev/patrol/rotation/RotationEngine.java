package dev.patrol.rotation;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.audit.AuditLog;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationPlanner.Kind;
import dev.patrol.rotation.RotationPlanner.Plan;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The rotation engine (design §5): for each registered connection, check the guardrails, plan,
 * and carry out mint, rotation, replacement or repair in the crash-safe order of §5.1, then remove
 * patrol's old tokens. Connections are worked on with bounded concurrency; one connection's
 * failure never stops the others, and failed connections are retried with back-off.
 */
public final class RotationEngine implements AutoCloseable {

    /** How a connection came out of a sweep. */
    public enum Result { MINTED, ROTATED, REPLACED, REPAIRED, UNCHANGED, SUSPENDED, BLOCKED, FAILED, BACKING_OFF }

    public record Outcome(String connection, Result result, String detail, List<String> removed) {}

    public record SweepReport(boolean ran, List<Outcome> outcomes, Duration took) {
        static SweepReport skipped() {
            return new SweepReport(false, List.of(), Duration.ZERO);
        }

        public Optional<Outcome> of(String connection) {
            return outcomes.stream().filter(o -> o.connection().equals(connection)).findFirst();
        }
    }

    /** Thrown when a new token would be the user's 16th: nothing changed, someone must make room. */
    public static final class TokenLimitReached extends RuntimeException {
        TokenLimitReached(String message) {
            super(message);
        }
    }

    /** Thrown when a new secret does not log in with the registered role. */
    public static final class ValidationFailed extends RuntimeException {
        ValidationFailed(String message) {
            super(message);
        }
    }

    private static final Duration BACKOFF_START = Duration.ofSeconds(30);
    private static final Duration BACKOFF_MAX = Duration.ofHours(1);
    private static final int MAX_TOKENS = 15;

    private final SnowflakeAdmin snowflake;
    private final SecretStore store;
    private final ConnectionRegistry registry;
    private final RotationPlanner planner;
    private final Clock clock;
    private final AuditLog audit;
    private final RotationMetrics metrics;
    private final SweepLock lock;
    private final Map<String, String> endpointParameters;
    private final ExecutorService workers;
    private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();

    private record Backoff(int failures, Instant next) {}

    public RotationEngine(SnowflakeAdmin snowflake, SecretStore store, ConnectionRegistry registry, Strategy strategy,
            int concurrency, String holder, Duration lockTtl, Clock clock, AuditLog audit, RotationMetrics metrics,
            Map<String, String> endpointParameters) {
        this.snowflake = snowflake;
        this.store = store;
        this.registry = registry;
        this.planner = new RotationPlanner(strategy);
        this.clock = clock;
        this.audit = audit;
        this.metrics = metrics;
        this.lock = new SweepLock(store, holder, lockTtl, clock);
        this.endpointParameters = Map.copyOf(endpointParameters);
        this.workers = Workers.pool("patrol-rotation", concurrency);
    }

    // ---------------------------------------------------------------- sweep

    /** One sweep over every connection, if this replica holds the sweep lock. */
    public SweepReport sweep() {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        try {
            if (!lock.tryAcquire()) return SweepReport.skipped();
        } catch (VaultClientException e) {
            // No Vault, no rotation: a secret nobody can store must not replace one people hold.
            Log.warnf("Sweep skipped: %s", e.getMessage());
            return SweepReport.skipped();
        }
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Connection c : registry.all()) futures.add(workers.submit(() -> processIsolated(c, start)));
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                try {
                    outcomes.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("unexpected failure outside the per-connection guard", e.getCause());
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
            metrics.sweep(took);
            return new SweepReport(true, outcomes, took);
        } finally {
            lock.release();
        }
    }

    private Outcome processIsolated(Connection c, Instant sweepStart) {
        Backoff b = backoff.get(c.name());
        if (b != null && sweepStart.isBefore(b.next())) return new Outcome(c.name(), Result.BACKING_OFF, "retry after " + b.next(), List.of());
        Outcome o;
        try {
            o = process(c, OptionalInt.empty());
        } catch (RuntimeException e) {
            o = new Outcome(c.name(), Result.FAILED, describe(e), List.of());
            audit.record(new AuditLog.Event("rotation", "patrol", c.name(), c.user(), null, "failure", describe(e)));
            Log.warnf("Rotation of %s failed: %s", c.name(), describe(e));
        }
        if (o.result() == Result.FAILED) {
            int failures = b == null ? 1 : b.failures() + 1;
            Duration wait = BACKOFF_START.multipliedBy(1L << Math.min(failures - 1, 10));
            if (wait.compareTo(BACKOFF_MAX) > 0) wait = BACKOFF_MAX;
            backoff.put(c.name(), new Backoff(failures, clock.instant().plus(wait)));
        } else {
            backoff.remove(c.name());
        }
        metrics.outcome(c.name(), o.result());
        return o;
    }

    static String describe(RuntimeException e) {
        if (e instanceof SnowflakeException || e instanceof VaultClientException || e instanceof ValidationFailed
                || e instanceof TokenLimitReached) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    // ---------------------------------------------------------------- one connection

    /**
     * Works on one connection now. {@code expirePreviousAfterHours} overrides the grace of a rotation
     * (0 for a suspected leak); when given, the connection is rotated even if not due.
     */
    public Outcome process(Connection c, OptionalInt expirePreviousAfterHours) {
        Optional<Versioned<Map<String, String>>> stateDoc = store.state(c.name());
        Map<String, String> state = stateDoc.map(Versioned::value).orElse(Map.of());
        long stateVersion = stateDoc.map(Versioned::version).orElse(0L);

        if ("true".equals(state.get(State.SUSPENDED))) return new Outcome(c.name(), Result.SUSPENDED, state.get(State.SUSPENDED_REASON), List.of());
        String refusal = guardrail(c, snowflake.describeUser(c.user()));
        if (refusal != null) return refuse(c, refusal, state, stateVersion);
        if (state.containsKey(State.BLOCKED_REASON)) {
            Map<String, String> cleared = new LinkedHashMap<>(state);
            cleared.remove(State.BLOCKED_REASON);
            cleared.remove(State.BLOCKED_AT);
            stateVersion = store.writeState(c.name(), cleared, stateVersion);
            state = cleared;
            metrics.blocked(c.name(), false);
        }

        List<PatInfo> pats = snowflake.listPats(c.user());
        Optional<Versioned<TokenRecord>> current = store.current(c.name());
        // The metadata read is only needed when the latest version is unreadable (destroyed or deleted).
        long version = current.map(Versioned::version).orElseGet(() -> store.currentVersion(c.name()));
        Instant now = clock.instant();
        Plan plan = planner.plan(c, current.map(Versioned::value), pats, state, now);
        if (expirePreviousAfterHours.isPresent() && plan.kind() == Kind.NOTHING) {
            plan = new Plan(Kind.ROTATE, "rotate now", plan.remove());
        }

        List<String> removed = new ArrayList<>();
        for (String name : plan.remove()) {
            snowflake.removePat(c.user(), name);
            removed.add(name);
            audit.record(new AuditLog.Event("remove", "patrol", c.name(), c.user(), name, "removed", "old secret past its grace window"));
        }
        if (!removed.isEmpty()) pats = pats.stream().filter(p -> !removed.contains(p.name())).toList();

        Outcome o = switch (plan.kind()) {
            case SUSPENDED -> new Outcome(c.name(), Result.SUSPENDED, plan.reason(), removed);
            case BLOCKED -> refuse(c, plan.reason(), state, stateVersion);
            case NOTHING -> new Outcome(c.name(), Result.UNCHANGED, plan.reason(), removed);
            case REPAIR -> repair(c, Intent.from(state).orElseThrow(), pats, current, version, state, stateVersion, removed);
            case MINT -> add(c, RotationPlanner.tokenName(c), Intent.Op.MINT, pats, version, state, stateVersion, removed, plan.reason());
            case REPLACE -> add(c, RotationPlanner.replacementName(c, now), Intent.Op.ADD, pats, version, state, stateVersion, removed, plan.reason());
            case ROTATE -> rotate(c, current.orElseThrow().value(), version, state, stateVersion, pats, removed, plan.reason(), expirePreviousAfterHours);
        };
        store.current(c.name()).ifPresent(r -> metrics.secret(c.name(), r.value().createdAt(), r.value().expiresAt()));
        return o;
    }

    /** Design §5: the user exists, is TYPE=SERVICE, is enabled, holds the registered role and no role but PUBLIC beside it. */
    static String guardrail(Connection c, UserFacts f) {
        if (!f.exists()) return "user " + c.user() + " does not exist (or the rotator may not see it)";
        if (!"SERVICE".equals(f.type())) return "user " + c.user() + " is TYPE=" + (f.type() == null ? "NULL (PERSON)" : f.type())
                + "; only TYPE=SERVICE users can be forced to use a role restriction";
        if (f.disabled()) return "user " + c.user() + " is disabled";
        if (!f.roles().contains(c.role())) return "user " + c.user() + " does not hold its registered role " + c.role();
        Set<String> extra = new java.util.TreeSet<>(f.roles());
        extra.remove(c.role());
        extra.remove("PUBLIC");
        if (!extra.isEmpty()) return "user " + c.user() + " holds roles besides " + c.role() + ": " + String.join(", ", extra);
        return null;
    }

    private Outcome refuse(Connection c, String reason, Map<String, String> state, long stateVersion) {
        if (!reason.equals(state.get(State.BLOCKED_REASON))) {
            Map<String, String> blocked = new LinkedHashMap<>(state);
            blocked.put(State.BLOCKED_REASON, reason);
            blocked.put(State.BLOCKED_AT, clock.instant().toString());
            try {
                store.writeState(c.name(), blocked, stateVersion);
            } catch (CasConflictException e) {
                // another replica recorded it at the same moment
            }
            audit.record(new AuditLog.Event("guardrail", "patrol", c.name(), c.user(), null, "refused", reason));
            Log.warnf("Not minting for %s: %s", c.name(), reason);
        }
        metrics.blocked(c.name(), true);
        return new Outcome(c.name(), Result.BLOCKED, reason, List.of());
    }

    // ---------------------------------------------------------------- the crash-safe steps (design §5.1)

    /** First mint (MINT, fixed name) or replacement (ADD, fresh name): intent, ADD, validate, record, clear. */
    private Outcome add(Connection c, String name, Intent.Op op, List<PatInfo> pats, long version, Map<String, String> state,
            long stateVersion, List<String> removed, String reason) {
        ensureRoom(c, pats, 1);
        long sv = store.writeState(c.name(), new Intent(op, name, clock.instant(), version).into(state), stateVersion);
        if (pats.stream().anyMatch(p -> p.name().equals(name))) {
            // An unrecorded token under the name to mint: nobody holds its secret.
            snowflake.removePat(c.user(), name);
        }
        SnowflakeAdmin.Added added = snowflake.addPat(c.user(), name, c.role(), c.daysToExpiry(), RotationPlanner.comment(c));
        validate(c, added.secret());
        TokenRecord record = record(c, added.tokenName(), added.secret());
        writeRecord(c, record, version);
        store.writeState(c.name(), Intent.cleared(state), sv);
        Result result = op == Intent.Op.MINT ? Result.MINTED : Result.REPLACED;
        audit.record(new AuditLog.Event(op == Intent.Op.MINT ? "mint" : "replace", "patrol", c.name(), c.user(), added.tokenName(),
                "success", reason));
        return new Outcome(c.name(), result, reason, removed);
    }

    /** Snowflake's ROTATE: intent, ROTATE with the grace, validate, record, clear (the old secret expires by itself). */
    private Outcome rotate(Connection c, TokenRecord current, long version, Map<String, String> state, long stateVersion,
            List<PatInfo> pats, List<String> removed, String reason, OptionalInt expirePreviousAfterHours) {
        int hours = expirePreviousAfterHours.isPresent() ? expirePreviousAfterHours.getAsInt() : c.graceHours();
        if (hours > 0) ensureRoom(c, pats, 1);
        long sv = store.writeState(c.name(), new Intent(Intent.Op.ROTATE, current.tokenName(), clock.instant(), version).into(state), stateVersion);
        SnowflakeAdmin.Rotated rotated = snowflake.rotatePat(c.user(), current.tokenName(), hours);
        validate(c, rotated.secret());
        writeRecord(c, record(c, rotated.tokenName(), rotated.secret()), version);
        store.writeState(c.name(), Intent.cleared(state), sv);
        audit.record(new AuditLog.Event("rotate", "patrol", c.name(), c.user(), rotated.tokenName(), "success",
                reason + "; previous secret " + rotated.rotatedTokenName() + " expires in " + hours + "h"));
        return new Outcome(c.name(), Result.ROTATED, reason, removed);
    }

    /** Finishes or undoes an interrupted change by looking at Snowflake and Vault (design §5.1). */
    private Outcome repair(Connection c, Intent intent, List<PatInfo> pats, Optional<Versioned<TokenRecord>> current, long version,
            Map<String, String> state, long stateVersion, List<String> removed) {
        if (version > intent.fromVersion()) {
            store.writeState(c.name(), Intent.cleared(state), stateVersion);
            return repaired(c, intent, "the change had completed; intent cleared", removed);
        }
        if (intent.op() == Intent.Op.ROTATE) {
            PatInfo live = pats.stream().filter(p -> p.name().equals(intent.tokenName()) && p.rotatedTo() == null).findFirst().orElse(null);
            // Rotated after the intent was written: the live row is newer than the intent (a minute of clock skew allowed).
            boolean rotatedSince = live != null && live.createdOn() != null && live.createdOn().isAfter(intent.started().minus(Duration.ofMinutes(1)));
            if (!rotatedSince) {
                store.writeState(c.name(), Intent.cleared(state), stateVersion);
                return repaired(c, intent, "nothing had happened; intent cleared", removed);
            }
            // The new secret was lost: nobody holds it. Rotating again with 0 hours expires only it;
            // the secret people hold keeps its own grace, it is already the _ROTATED_ row.
            SnowflakeAdmin.Rotated again = snowflake.rotatePat(c.user(), intent.tokenName(), 0);
            validate(c, again.secret());
            writeRecord(c, record(c, again.tokenName(), again.secret()), version);
            store.writeState(c.name(), Intent.cleared(state), stateVersion);
            audit.record(new AuditLog.Event("rotate", "patrol", c.name(), c.user(), again.tokenName(), "repaired",
                    "an interrupted rotation was finished; the lost secret " + again.rotatedTokenName() + " expired at once"));
            return new Outcome(c.name(), Result.REPAIRED, "interrupted rotation finished", removed);
        }
        boolean added = pats.stream().anyMatch(p -> p.name().equals(intent.tokenName()) && p.rotatedTo() == null);
        if (added) {
            snowflake.removePat(c.user(), intent.tokenName());
            audit.record(new AuditLog.Event("remove", "patrol", c.name(), c.user(), intent.tokenName(), "removed",
                    "a token whose secret was lost in an interrupted " + intent.op().name().toLowerCase() + " was removed"));
        }
        store.writeState(c.name(), Intent.cleared(state), stateVersion);
        return repaired(c, intent, added ? "lost token removed; the next sweep mints again" : "nothing had happened; intent cleared", removed);
    }

    private Outcome repaired(Connection c, Intent intent, String detail, List<String> removed) {
        audit.record(new AuditLog.Event("repair", "patrol", c.name(), c.user(), intent.tokenName(), "repaired", detail));
        return new Outcome(c.name(), Result.REPAIRED, detail, removed);
    }

    /** Keeps the user under Snowflake's 15-token limit: refuses (before any change) when there is no room. */
    private void ensureRoom(Connection c, List<PatInfo> pats, int needed) {
        long live = pats.stream().filter(p -> !"EXPIRED".equals(p.status())).count();
        if (live + needed > MAX_TOKENS) {
            throw new TokenLimitReached("user " + c.user() + " holds " + live + " live tokens; Snowflake allows " + MAX_TOKENS
                    + " and none of them is patrol's to remove");
        }
    }

    private void validate(Connection c, Secret secret) {
        String role = snowflake.validate(c.user(), c.role(), secret);
        if (!c.role().equals(role)) throw new ValidationFailed("the new secret logs in with role " + role + ", not " + c.role());
    }

    private TokenRecord record(Connection c, String tokenName, Secret secret) {
        Instant now = clock.instant();
        Map<String, String> params = new LinkedHashMap<>(endpointParameters);
        c.warehouse().ifPresent(w -> params.put("warehouse", w));
        c.database().ifPresent(d -> params.put("database", d));
        c.schema().ifPresent(s -> params.put("schema", s));
        return new TokenRecord(secret.reveal(), tokenName, c.user(), c.role(), snowflake.account(), now,
                now.plus(Duration.ofDays(c.daysToExpiry())), params);
    }

    /** Step 5: store the new secret with check-and-set; Vault hiccups are retried briefly, a conflict is not. */
    private void writeRecord(Connection c, TokenRecord record, long expectedVersion) {
        for (int attempt = 1; ; attempt++) {
            try {
                store.write(c.name(), record, expectedVersion);
                return;
            } catch (CasConflictException e) {
                throw e;
            } catch (VaultClientException e) {
                if (!e.unavailable() || attempt >= 3) throw e;
                Workers.sleep(Duration.ofMillis(200L * attempt * attempt));
            }
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
