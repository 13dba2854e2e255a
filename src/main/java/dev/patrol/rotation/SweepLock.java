package dev.patrol.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultClientException;
import dev.patrol.vault.Versioned;

/**
 * At most one replica sweeps an account at a time: a lock document per account in Vault, taken with
 * check-and-set, that expires by itself if its holder dies. A replica that cannot take it skips
 * the sweep; per-connection intents (also check-and-set) keep a connection from being changed
 * twice even if a sweep outlives its lock.
 */
final class SweepLock {

    /** The default account's lock keeps the name it had before patrol managed several accounts. */
    static final String NAME = "_sweep-lock";

    /** The lock document of an account (state names starting with {@code _} are never connections). */
    static String name(String account) {
        return account.equals(dev.patrol.snowflake.AccountLogins.DEFAULT) ? NAME : NAME + "-" + account;
    }

    private final SecretStore store;
    private final String name;
    private final String holder;
    private final Duration ttl;
    private final Clock clock;
    /** How long this replica's lock lasts, as far as it knows (Instant.MIN when not held). */
    private volatile Instant heldUntil = Instant.MIN;

    SweepLock(SecretStore store, String name, String holder, Duration ttl, Clock clock) {
        this.store = store;
        this.name = name;
        this.holder = holder;
        this.ttl = ttl;
        this.clock = clock;
    }

    boolean tryAcquire() {
        Optional<Versioned<Map<String, String>>> current = store.state(name);
        Instant now = clock.instant();
        if (current.isPresent()) {
            Map<String, String> v = current.get().value();
            String other = v.getOrDefault("holder", "");
            Instant expires = v.containsKey("expires_at") ? Instant.parse(v.get("expires_at")) : Instant.EPOCH;
            if (!other.isEmpty() && !other.equals(holder) && expires.isAfter(now))
                return false;
        }
        try {
            store.writeState(name, Map.of("holder", holder, "expires_at", now.plus(ttl).toString()),
                    current.map(Versioned::version).orElse(0L));
            heldUntil = now.plus(ttl);
            return true;
        } catch (CasConflictException e) {
            return false;
        }
    }

    /** Extends the lock if this replica still holds it; false when it was lost (expired and taken by another). */
    boolean renew() {
        try {
            Optional<Versioned<Map<String, String>>> current = store.state(name);
            if (current.isEmpty() || !holder.equals(current.get().value().get("holder")))
                return false;
            Instant until = clock.instant().plus(ttl);
            store.writeState(name, Map.of("holder", holder, "expires_at", until.toString()), current.get().version());
            heldUntil = until;
            return true;
        } catch (CasConflictException e) {
            return false;
        } catch (VaultClientException e) {
            // Vault unreachable: the lock is ours for the time it still has; the next renewal decides
            return clock.instant().isBefore(heldUntil);
        }
    }

    void release() {
        Optional<Versioned<Map<String, String>>> current = store.state(name);
        if (current.isEmpty() || !holder.equals(current.get().value().get("holder")))
            return;
        try {
            store.writeState(name, Map.of("holder", "", "expires_at", clock.instant().toString()), current.get().version());
        } catch (CasConflictException e) {
            // someone took over an expired lock: theirs now
        }
    }
}
