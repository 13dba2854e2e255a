package dev.patrol.api;

import dev.patrol.vault.SecretStore;
import dev.patrol.vault.Versioned;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connection state documents (suspension) for the secret-fetch hot path, reused for two seconds so a
 * fetch costs one Vault read, not two. Bounded staleness is safe here: revocation also destroys the
 * record and removes the tokens in Snowflake, so a fetch in those two seconds finds nothing usable.
 */
@ApplicationScoped
public class StateCache {

    static final Duration TTL = Duration.ofSeconds(2);

    private record Entry(Map<String, String> state, Instant expires) {}

    @Inject
    SecretStore store;

    @Inject
    Clock clock;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** The cached state, or null when there is none fresh enough. */
    Map<String, String> fresh(String connection) {
        Entry e = entries.get(connection);
        return e != null && e.expires().isAfter(clock.instant()) ? e.state() : null;
    }

    Map<String, String> load(String connection) {
        Map<String, String> state = store.state(connection).map(Versioned::value).orElse(Map.of());
        entries.put(connection, new Entry(state, clock.instant().plus(TTL)));
        return state;
    }
}
