package dev.patrol.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.patrol.config.PatrolConfig;
import dev.patrol.snowflake.AccountLogins;
import dev.patrol.snowflake.Identifiers;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The registered connections, from configuration, with identifiers normalised and
 * per-connection overrides applied. {@code ConfigValidator} has already refused bad names and
 * identifiers at start-up.
 */
@ApplicationScoped
public class ConnectionRegistry {

    private final Map<String, Connection> connections;

    @Inject
    public ConnectionRegistry(PatrolConfig config, AccountLogins accounts) {
        this(from(config, accounts.all().stream().map(AccountLogins.AccountLogin::id).collect(Collectors.toSet())));
    }

    public ConnectionRegistry(List<Connection> connections) {
        Map<String, Connection> m = new LinkedHashMap<>();
        connections.stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(c -> m.put(c.name(), c));
        this.connections = Collections.unmodifiableMap(m);
    }

    /**
     * A connection without an account is in the only account there is ({@code accounts} are the ids the running patrol
     * manages; start-up validation has refused a connection without one when there are several).
     */
    static List<Connection> from(PatrolConfig config, Set<String> accounts) {
        PatrolConfig.Rotation r = config.rotation();
        List<Connection> out = new ArrayList<>();
        String only = accounts.size() == 1 ? accounts.iterator().next() : null;
        config.connections().forEach((name, c) -> out.add(new Connection(name, account(name, c, accounts, only),
                Identifiers.normalize(c.user()),
                Identifiers.normalize(c.role()), c.warehouse().map(Identifiers::normalize),
                c.database().map(Identifiers::normalize),
                c.schema().map(Identifiers::normalize), c.period().orElse(r.period()), c.grace().orElse(r.grace()),
                c.daysToExpiry().orElse(r.daysToExpiry()))));
        return out;
    }

    private static String account(String name, PatrolConfig.Connection c, Set<String> accounts, String only) {
        String id = c.account().or(() -> Optional.ofNullable(only)).orElseThrow(() -> new ConfigurationException(
                "patrol.connections." + name + ".account is required: patrol manages the accounts "
                        + new java.util.TreeSet<>(accounts)));
        if (!accounts.contains(id)) {
            throw new ConfigurationException("patrol.connections." + name + ".account names an unknown account; patrol "
                    + "manages " + new java.util.TreeSet<>(accounts));
        }
        return id;
    }

    public List<Connection> all() {
        return List.copyOf(connections.values());
    }

    public Optional<Connection> find(String name) {
        return Optional.ofNullable(connections.get(name));
    }
}
