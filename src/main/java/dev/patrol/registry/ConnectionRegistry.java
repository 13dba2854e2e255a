package dev.patrol.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.patrol.config.PatrolConfig;
import dev.patrol.snowflake.Identifiers;

/**
 * The registered connections, from configuration, with identifiers normalised and
 * per-connection overrides applied. {@code ConfigValidator} has already refused bad names and
 * identifiers at start-up.
 */
@ApplicationScoped
public class ConnectionRegistry {

    private final Map<String, Connection> connections;

    @Inject
    public ConnectionRegistry(PatrolConfig config) {
        this(from(config));
    }

    public ConnectionRegistry(List<Connection> connections) {
        Map<String, Connection> m = new LinkedHashMap<>();
        connections.stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(c -> m.put(c.name(), c));
        this.connections = Collections.unmodifiableMap(m);
    }

    static List<Connection> from(PatrolConfig config) {
        PatrolConfig.Rotation r = config.rotation();
        List<Connection> out = new ArrayList<>();
        config.connections().forEach((name, c) -> out.add(new Connection(name, Identifiers.normalize(c.user()),
                Identifiers.normalize(c.role()), c.warehouse().map(Identifiers::normalize),
                c.database().map(Identifiers::normalize),
                c.schema().map(Identifiers::normalize), c.period().orElse(r.period()), c.grace().orElse(r.grace()),
                c.daysToExpiry().orElse(r.daysToExpiry()))));
        return out;
    }

    public List<Connection> all() {
        return List.copyOf(connections.values());
    }

    public Optional<Connection> find(String name) {
        return Optional.ofNullable(connections.get(name));
    }
}
