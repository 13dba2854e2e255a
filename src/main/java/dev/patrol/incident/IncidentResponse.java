package dev.patrol.incident;

import dev.patrol.audit.AuditLog;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.rotation.State;
import dev.patrol.rotation.Workers;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.snowflake.SnowflakeException;
import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultClientException;
import dev.patrol.vault.Versioned;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Incident response (design §4, §6): revoke one connection, revoke all (break glass), resume.
 * Revocation suspends first (so no sweep mints behind it), then removes every PAT of the user in
 * Snowflake (patrol's and any other: the secret may have leaked anywhere), optionally disables the
 * user, and destroys every version of the Vault record (its metadata stays for the audit).
 * Partial failure is reported, never hidden: each step's failures are listed and retried.
 */
public final class IncidentResponse implements AutoCloseable {

    /** What a revocation did for one connection; {@code complete} only when every step succeeded. */
    public record Revocation(String connection, boolean suspended, List<String> removedTokens, boolean secretDestroyed,
            Boolean userDisabled, List<String> failures) {
        public boolean complete() {
            return suspended && secretDestroyed && failures.isEmpty();
        }
    }

    private static final int ATTEMPTS = 3;

    private final SnowflakeAdmin snowflake;
    private final SecretStore store;
    private final ConnectionRegistry registry;
    private final RotationEngine rotation;
    private final AuditLog audit;
    private final Clock clock;
    private final ExecutorService workers;

    public IncidentResponse(SnowflakeAdmin snowflake, SecretStore store, ConnectionRegistry registry, RotationEngine rotation,
            AuditLog audit, Clock clock, int concurrency) {
        this.snowflake = snowflake;
        this.store = store;
        this.registry = registry;
        this.rotation = rotation;
        this.audit = audit;
        this.clock = clock;
        this.workers = Workers.pool("patrol-incident", concurrency);
    }

    public Revocation revoke(Connection c, String reason, String actor, boolean disableUser) {
        List<String> failures = new ArrayList<>();
        boolean suspended = attempt(failures, "suspend in Vault", () -> suspend(c, reason, actor));
        List<String> removed = new ArrayList<>();
        attempt(failures, "remove tokens in Snowflake", () -> removeAll(c, removed));
        Boolean disabled = null;
        if (disableUser) disabled = attempt(failures, "disable user " + c.user(), () -> snowflake.disableUser(c.user()));
        boolean destroyed = attempt(failures, "destroy the secret in Vault", () -> store.destroyAll(c.name()));
        Revocation r = new Revocation(c.name(), suspended, List.copyOf(removed), destroyed, disabled, List.copyOf(failures));
        audit.record(new AuditLog.Event("revoke", actor, c.name(), c.user(), null, r.complete() ? "success" : "partial",
                "reason: " + reason + "; removed " + removed + (failures.isEmpty() ? "" : "; failed: " + failures)));
        return r;
    }

    /** Break glass: every registered connection at once, one result each. Idempotent. */
    public List<Revocation> revokeAll(String reason, String actor, boolean disableUsers) {
        List<Future<Revocation>> futures = new ArrayList<>();
        for (Connection c : registry.all()) futures.add(workers.submit(() -> revoke(c, reason, actor, disableUsers)));
        List<Revocation> out = new ArrayList<>();
        for (Future<Revocation> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during revoke-all");
            } catch (ExecutionException e) {
                throw new IllegalStateException("revocation failed outside its guard", e.getCause());
            }
        }
        return out;
    }

    /** Lifts the suspension and mints a fresh secret at once. */
    public RotationEngine.Outcome resume(Connection c, String actor) {
        for (int i = 0; ; i++) {
            Optional<Versioned<Map<String, String>>> s = store.state(c.name());
            Map<String, String> state = new LinkedHashMap<>(s.map(Versioned::value).orElse(Map.of()));
            if (!"true".equals(state.get(State.SUSPENDED))) break;
            state.remove(State.SUSPENDED);
            state.remove(State.SUSPENDED_REASON);
            state.put("resumed_by", actor);
            state.put("resumed_at", clock.instant().toString());
            try {
                store.writeState(c.name(), state, s.map(Versioned::version).orElse(0L));
                break;
            } catch (CasConflictException e) {
                if (i >= ATTEMPTS) throw e;
            }
        }
        RotationEngine.Outcome o = rotation.process(c, OptionalInt.empty());
        audit.record(new AuditLog.Event("resume", actor, c.name(), c.user(), null, o.result().name().toLowerCase(), o.detail()));
        return o;
    }

    private void suspend(Connection c, String reason, String actor) {
        for (int i = 0; ; i++) {
            Optional<Versioned<Map<String, String>>> s = store.state(c.name());
            Map<String, String> state = new LinkedHashMap<>(s.map(Versioned::value).orElse(Map.of()));
            state.put(State.SUSPENDED, "true");
            state.put(State.SUSPENDED_REASON, reason);
            state.put("suspended_by", actor);
            state.put("suspended_at", clock.instant().toString());
            try {
                store.writeState(c.name(), state, s.map(Versioned::version).orElse(0L));
                return;
            } catch (CasConflictException e) {
                if (i >= ATTEMPTS) throw e;
            }
        }
    }

    /** Removes every token of the user; a token that fails to go is retried, then reported by name. */
    private void removeAll(Connection c, List<String> removed) {
        List<String> stubborn = new ArrayList<>();
        for (int round = 1; round <= ATTEMPTS; round++) {
            stubborn.clear();
            for (PatInfo p : snowflake.listPats(c.user())) {
                try {
                    snowflake.removePat(c.user(), p.name());
                    removed.add(p.name());
                } catch (SnowflakeException e) {
                    stubborn.add(p.name() + " (" + e.code() + ")");
                }
            }
            if (stubborn.isEmpty()) return;
            Workers.sleep(Duration.ofMillis(100L * round));
        }
        throw new IllegalStateException("tokens still present: " + String.join(", ", stubborn));
    }

    /** Runs a step, retrying failures a few times; records what still failed. */
    private boolean attempt(List<String> failures, String step, Runnable action) {
        RuntimeException last = null;
        for (int i = 1; i <= ATTEMPTS; i++) {
            try {
                action.run();
                return true;
            } catch (SnowflakeException | VaultClientException | IllegalStateException e) {
                last = e;
                if (e instanceof SnowflakeException se && !se.transientFailure()) break;
                Workers.sleep(Duration.ofMillis(100L * i));
            }
        }
        failures.add(step + ": " + (last == null ? "failed" : last.getMessage()));
        return false;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
