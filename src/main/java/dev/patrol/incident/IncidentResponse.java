package dev.patrol.incident;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.patrol.PatrolException;
import dev.patrol.audit.AuditLog;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.ConnectionState;
import dev.patrol.rotation.Intent;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.rotation.Workers;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.snowflake.SnowflakeException;
import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.VaultClientException;
import dev.patrol.vault.Versioned;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Incident response: revoke one connection, revoke all (break glass), resume.
 *
 * <p>
 * A revocation wins over any change in flight. It suspends first, by check-and-set on the
 * connection's state, so no new change can start and a change in flight cannot claim the right to
 * store its secret (it removes its own token instead). It then waits out a live lease (bounded),
 * removes every PAT of the user in Snowflake (patrol's and any other: the secret may have leaked
 * anywhere) and lists again until none is left, optionally disables the user, and destroys every
 * version of the Vault record (its metadata stays for the audit), checking that none is readable.
 * Partial failure is reported, never hidden: each step's failures are listed and retried.
 */
@Singleton
public final class IncidentResponse implements AutoCloseable {

    /** What a revocation did for one connection; {@code complete} only when every step succeeded. */
    public record Revocation(String connection, String account, boolean suspended, List<String> removedTokens,
            boolean secretDestroyed,
            Boolean userDisabled, List<String> failures) {
        public boolean complete() {
            return suspended && secretDestroyed && failures.isEmpty();
        }
    }

    /** Thrown when a connection cannot be resumed now (a change is in flight). */
    public static final class Busy extends PatrolException {
        Busy(String message) {
            super(message);
        }
    }

    private static final int ATTEMPTS = 3;
    /** A live change finishes within seconds once it sees the suspension; this is how long a revocation waits for it. */
    static final Duration WAIT_FOR_CHANGE = Duration.ofSeconds(30);

    private final Accounts accounts;
    private final SecretStore store;
    private final ConnectionRegistry registry;
    private final RotationEngine rotation;
    private final AuditLog audit;
    private final Clock clock;
    /** Per account, so a slow or unreachable account never delays revoking connections in another. */
    private final Map<String, ExecutorService> workers = new java.util.LinkedHashMap<>();
    private volatile Runnable afterSuspend = () -> {
    };

    @Inject
    public IncidentResponse(Accounts accounts, SecretStore store, ConnectionRegistry registry, RotationEngine rotation,
            AuditLog audit,
            Clock clock) {
        this.accounts = accounts;
        this.store = store;
        this.registry = registry;
        this.rotation = rotation;
        this.audit = audit;
        this.clock = clock;
        for (Accounts.Account a : accounts.all())
            workers.put(a.id(), Workers.pool("patrol-incident-" + a.id(), Math.max(rotation.settings().concurrency(), 16)));
    }

    /** Test seam: runs right after the suspension is written, before anything else is revoked. */
    public void afterSuspend(Runnable hook) {
        this.afterSuspend = hook;
    }

    public Revocation revoke(Connection c, String reason, String actor, boolean disableUser) {
        List<String> failures = new ArrayList<>();
        boolean suspended = attempt(failures, "suspend in Vault", () -> suspend(c, reason, actor));
        afterSuspend.run();
        if (suspended)
            attempt(failures, "wait for the change in flight", () -> waitForChange(c));
        List<String> removed = new ArrayList<>();
        attempt(failures, "remove tokens in Snowflake", () -> removeAll(c, removed));
        Boolean disabled = null;
        if (disableUser)
            disabled = attempt(failures, "disable user " + c.user(), () -> accounts.admin(c).disableUser(c.user()));
        boolean destroyed = attempt(failures, "destroy the secret in Vault", () -> destroy(c));
        // A change that ignored the lease (its owner stalled past it) could only have added a token
        // before seeing the suspension; look once more.
        attempt(failures, "confirm no token is left", () -> removeAll(c, removed));
        // A resume that landed after the suspension lifted it while the rest went on: the connection is live again (the
        // next sweep mints), so the revocation is not complete; revoking again wins.
        attempt(failures, "keep the suspension", () -> stillSuspended(c));
        Revocation r = new Revocation(c.name(), c.account(), suspended, List.copyOf(removed), destroyed, disabled,
                List.copyOf(failures));
        audit.record(AuditLog.Event.about(c, "revoke", actor, null, r.complete() ? "success" : "partial",
                "reason: " + reason + "; removed " + removed + (failures.isEmpty() ? "" : "; failed: " + failures)));
        return r;
    }

    /**
     * Break glass: every registered connection at once, one result each, in registration order.
     * All are suspended first; then each account's connections are revoked on that account's own
     * workers. Idempotent.
     */
    public List<Revocation> revokeAll(String reason, String actor, boolean disableUsers) {
        // Suspend every connection first (Vault only): no new secret is made or stored anywhere while
        // revocations queue behind an account that is slow to answer. Side by side, so a Vault call that
        // hangs until its timeout delays the revocations once, not once per connection. Each revocation
        // suspends again and reports a suspension that failed here.
        List<Future<Boolean>> suspensions = new ArrayList<>();
        for (Connection c : registry.all()) {
            suspensions.add(workers.get(c.account()).submit(() -> {
                try {
                    suspend(c, reason, actor);
                } catch (RuntimeException e) {
                    // the revocation retries it and reports it
                }
                return true;
            }));
        }
        Workers.joinAll(suspensions);
        List<Future<Revocation>> futures = new ArrayList<>();
        for (Connection c : registry.all())
            futures.add(workers.get(c.account()).submit(() -> revoke(c, reason, actor, disableUsers)));
        return Workers.joinAll(futures);
    }

    /**
     * Lifts the suspension and mints a fresh secret at once. Refused while a change is in flight
     * (the interrupted change of a revoked connection is repaired by the mint itself once its lease ends).
     */
    public RotationEngine.Outcome resume(Connection c, String actor) {
        for (int i = 0;; i++) {
            ConnectionState s = read(c);
            if (!s.suspended())
                break;
            Optional<Intent> live = s.intent().filter(x -> x.live(clock.instant()));
            if (live.isPresent())
                throw new Busy("a change to " + c.name() + " by " + live.get().owner() + " is still in flight");
            try {
                write(c, s.resumedBy(actor, clock.instant()));
                break;
            } catch (CasConflictException e) {
                if (i >= ATTEMPTS)
                    throw e;
            }
        }
        RotationEngine.Outcome o = rotation.process(c, RotationEngine.Request.mintIfNeeded(actor));
        audit.record(
                AuditLog.Event.about(c, "resume", actor, null, o.result().name().toLowerCase(), o.detail()));
        return o;
    }

    /**
     * Writes the suspension by check-and-set. A connection suspended already keeps its suspension, but it is still written
     * back by check-and-set on the version read: a resume that lands after the read makes the write fail, and the next
     * attempt suspends again, so the revocation wins; the write also spells the flag as every reader of the document
     * expects ({@code true}). A state document patrol cannot parse (hand-edited, or written by another version) must not
     * stop a revocation: the suspension is added to it as it is.
     */
    private void suspend(Connection c, String reason, String actor) {
        ConnectionState.Suspension suspension = new ConnectionState.Suspension(reason, actor, clock.instant());
        for (int i = 0;; i++) {
            Optional<Versioned<Map<String, String>>> raw = store.state(c.name());
            ConnectionState s;
            try {
                s = raw.map(v -> ConnectionState.from(v.value(), v.version())).orElse(ConnectionState.NONE);
            } catch (RuntimeException unreadable) {
                s = null;
            }
            try {
                // The first suspension's reason, actor and time stay (the incident's evidence); every later
                // revocation has its own audit event.
                if (s != null && s.suspended())
                    write(c, s);
                else if (s != null)
                    write(c, s.withSuspension(suspension));
                else
                    store.writeState(c.name(), ConnectionState.withSuspension(raw.get().value(), suspension),
                            raw.get().version());
                return;
            } catch (CasConflictException e) {
                if (i >= ATTEMPTS * 3)
                    throw e;
            }
        }
    }

    /** Throws when the connection's state, readable, says it is no longer suspended. */
    private void stillSuspended(Connection c) {
        ConnectionState now;
        try {
            now = read(c);
        } catch (VaultClientException e) {
            throw e;
        } catch (RuntimeException unreadable) {
            return; // suspended as it is, and reported by the steps that need to read it
        }
        if (!now.suspended()) {
            String by = now.resumed() == null || now.resumed().by() == null ? "" : " by " + now.resumed().by();
            throw new IllegalStateException("resumed" + by + " while the revocation ran; revoke again");
        }
    }

    /**
     * Waits until no change holds a live lease on the connection. A change in flight sees the
     * suspension when it claims the right to store and gives its lease back at once; one whose
     * owner died leaves a lease that ends by itself. Either way the wait is bounded.
     */
    private void waitForChange(Connection c) {
        long giveUp = System.nanoTime() + WAIT_FOR_CHANGE.toNanos();
        long pause = 10;
        while (true) {
            Optional<Intent> live = read(c).intent().filter(i -> i.live(clock.instant()));
            if (live.isEmpty())
                return;
            if (System.nanoTime() - giveUp > 0) {
                throw new IllegalStateException(
                        "a change by " + live.get().owner() + " is still in flight; revoke again to finish");
            }
            Workers.sleep(Duration.ofMillis(pause));
            pause = Math.min(pause * 2, 200);
        }
    }

    /**
     * Removes every token of the user and lists again until none is left; a token that fails to go is retried, then reported by
     * name.
     */
    private void removeAll(Connection c, List<String> removed) {
        List<String> stubborn = new ArrayList<>();
        for (int round = 1; round <= ATTEMPTS; round++) {
            stubborn.clear();
            List<PatInfo> pats = accounts.admin(c).listPats(c.user());
            if (pats.stream().noneMatch(p -> !"EXPIRED".equals(p.status())))
                return;
            for (PatInfo p : pats) {
                try {
                    accounts.admin(c).removePat(c.user(), p.name());
                    if (!removed.contains(p.name()))
                        removed.add(p.name());
                } catch (SnowflakeException e) {
                    stubborn.add(p.name() + " (" + e.code() + ")");
                }
            }
            if (!stubborn.isEmpty())
                Workers.sleep(Duration.ofMillis(100L * round));
        }
        List<PatInfo> left = accounts.admin(c).listPats(c.user()).stream().filter(p -> !"EXPIRED".equals(p.status())).toList();
        if (!left.isEmpty()) {
            throw new IllegalStateException("tokens still present: " + String.join(", ", stubborn.isEmpty()
                    ? left.stream().map(PatInfo::name).toList()
                    : stubborn));
        }
    }

    /**
     * Fences, destroys every version and checks that none is readable. The fence is a new record
     * version without a secret: a change whose owner stalled past its lease writes its record by
     * check-and-set on the version it started from, so after the fence it can no longer store a
     * secret the revocation has already destroyed (destroying alone keeps the version number).
     */
    private void destroy(Connection c) {
        fence(c);
        store.destroyAll(c.name());
        if (store.current(c.name()).isPresent()) {
            store.destroyAll(c.name());
            if (store.current(c.name()).isPresent())
                throw new IllegalStateException("a version of the secret is still readable");
        }
    }

    private void fence(Connection c) {
        for (int i = 0;; i++) {
            long v = store.currentVersion(c.name());
            Instant now = clock.instant();
            try {
                store.write(c.name(),
                        new TokenRecord("", "", c.user(), c.role(), accounts.of(c).endpoint().account(), now, now, Map.of()),
                        v);
                return;
            } catch (CasConflictException e) {
                if (i >= ATTEMPTS * 3)
                    throw e;
            }
        }
    }

    private ConnectionState read(Connection c) {
        return ConnectionState.read(store, c.name());
    }

    private void write(Connection c, ConnectionState s) {
        s.write(store, c.name());
    }

    /** Runs a step, retrying failures a few times; records what still failed. */
    private boolean attempt(List<String> failures, String step, Runnable action) {
        return attempt(failures, step, () -> {
            action.run();
            return true;
        });
    }

    private boolean attempt(List<String> failures, String step, Supplier<Boolean> action) {
        RuntimeException last = null;
        for (int i = 1; i <= ATTEMPTS; i++) {
            try {
                return action.get();
            } catch (SnowflakeException | VaultClientException | IllegalStateException e) {
                last = e;
                if (e instanceof SnowflakeException se && !se.transientFailure())
                    break;
                if (e instanceof IllegalStateException)
                    break;
                Workers.sleep(Duration.ofMillis(100L * i));
            } catch (RuntimeException e) {
                // anything else (an unreadable state document): report it and go on with the next step
                failures.add(step + ": " + PatrolException.safeMessage(e));
                return false;
            }
        }
        failures.add(step + ": " + (last == null ? "failed" : last.getMessage()));
        return false;
    }

    void stop(@Observes @Priority(dev.patrol.snowflake.SnowflakeBeans.CLOSE_PRIORITY - 100) ShutdownEvent event) {
        close();
    }

    @Override
    public void close() {
        workers.values().forEach(ExecutorService::shutdownNow);
    }
}
