package dev.patrol.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.patrol.rotation.ConnectionState;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;

/**
 * The secret-fetch hot path's view of a connection in Vault (its state document and current
 * record), reused for {@link #TTL} so that repeated fetches do not each cost Vault round trips.
 * Bounded staleness is safe: after a rotation the previous secret stays valid for the grace window;
 * a revocation also removes the tokens in Snowflake, so a stale answer is never a usable secret that
 * should not be. This replica's own rotate, revoke and resume refresh the entry at once. The record
 * holds the secret, so entries live only this long and are never logged.
 */
@ApplicationScoped
public class FetchCache {

    static final Duration TTL = Duration.ofSeconds(2);

    private record Entry(ConnectionState state, Instant expires) {
    }

    private record RecordEntry(Optional<Versioned<TokenRecord>> record, Instant expires) {
        @Override
        public String toString() {
            return "RecordEntry[" + expires + "]";
        }
    }

    private final Map<String, RecordEntry> records = new ConcurrentHashMap<>();

    /** The current record, from Vault at most once per TTL. */
    Optional<Versioned<TokenRecord>> record(String connection) {
        RecordEntry e = records.get(connection);
        if (e != null && e.expires().isAfter(clock.instant()))
            return e.record();
        Optional<Versioned<TokenRecord>> r = store.current(connection);
        records.put(connection, new RecordEntry(r, clock.instant().plus(TTL)));
        return r;
    }

    /** Forgets what this replica knows of a connection after changing it. */
    void refresh(String connection) {
        records.remove(connection);
        load(connection);
    }

    @Inject
    SecretStore store;

    @Inject
    Clock clock;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** The cached state, or null when there is none fresh enough. */
    ConnectionState fresh(String connection) {
        Entry e = entries.get(connection);
        return e != null && e.expires().isAfter(clock.instant()) ? e.state() : null;
    }

    ConnectionState load(String connection) {
        ConnectionState state = ConnectionState.read(store, connection);
        entries.put(connection, new Entry(state, clock.instant().plus(TTL)));
        return state;
    }
}
