package dev.patrol.rotation;

import java.security.KeyPair;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.devservices.AdjustableClock;
import dev.patrol.devservices.snowflake.RsaKeys;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import dev.patrol.devservices.vault.VaultEmulator;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.JdbcSnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeEndpoint;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultLogin;
import dev.patrol.vault.VaultPaths;
import dev.patrol.vault.VaultSecretStore;
import dev.patrol.vault.VaultSession;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Both emulators, seeded as in dev mode, with patrol's real Snowflake client (JDBC, key pair) and
 * real Vault store (vault-java-driver, the operator's patrol policy), for engine tests.
 */
final class RotationFixture implements AutoCloseable, AfterEachCallback {

    static final KeyPair ROTATOR_KEY = RsaKeys.generate();
    /** How long a change's lease lasts in these tests; a crashed change is repaired once it has passed. */
    static final Duration LEASE = Duration.ofMinutes(10);

    final AdjustableClock clock = new AdjustableClock();
    final SnowflakeEmulator snowflake = SnowflakeEmulator.start("PATROLDEV", "127.0.0.1", 0, clock);
    final VaultEmulator vault = VaultEmulator.start("127.0.0.1", 0, "root", clock);
    final SnowflakeEndpoint endpoint = new SnowflakeEndpoint("PATROLDEV", Optional.of(snowflake.url()));
    final SnowflakeAdmin admin;
    final SecretStore store;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    RotationFixture() {
        SnowflakeSeed.apply(snowflake, "ADMIN", "patrol-dev", RsaKeys.publicKeyValue(ROTATOR_KEY));
        VaultSeed.apply(vault);
        Properties creds = new Properties();
        creds.put("user", "PATROL_ROTATOR");
        creds.put("role", "PATROL_ROTATOR_ROLE");
        creds.put("privateKey", ROTATOR_KEY.getPrivate());
        JdbcSnowflakeAdmin jdbc = new JdbcSnowflakeAdmin(endpoint.jdbc(), creds, Integer.getInteger("bench.concurrency", 8));
        closeables.add(jdbc);
        admin = jdbc;
        String patrolToken = vault.createToken(List.of("patrol-patrol"), Duration.ofDays(30), "patrol");
        store = new VaultSecretStore(new VaultSession(vault.address(), "secret", VaultSession.defaultHttpClient(),
                new VaultLogin.FixedToken(patrolToken), clock), new VaultPaths("secret", "snowflake-pats"));
    }

    static Connection connection(String name, String user, String role) {
        return connection(name, "default", user, role);
    }

    /** A connection in the account with id {@code account} ({@code default} or {@code second}, see {@link #second()}). */
    static Connection connection(String name, String account, String user, String role) {
        return new Connection(name, account, user, role, Optional.of("ANALYST_WH"), Optional.empty(), Optional.empty(),
                Duration.ofDays(7),
                Duration.ofHours(24), 30);
    }

    static Connection analystCli() {
        return connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE");
    }

    RotationEngine engine(List<Connection> connections, Strategy strategy) {
        return engine(connections, strategy, admin, store);
    }

    RotationEngine engine(List<Connection> connections, Strategy strategy, int concurrency) {
        return engine(connections, strategy, admin, store, concurrency);
    }

    RotationEngine engine(List<Connection> connections, Strategy strategy, SnowflakeAdmin a, SecretStore s) {
        return engine(connections, strategy, a, s, 4);
    }

    RotationEngine engine(List<Connection> connections, Strategy strategy, SnowflakeAdmin a, SecretStore s, int concurrency) {
        return engine(connections, strategy, a, s, concurrency, Duration.ofMinutes(10));
    }

    /** An engine whose sweep lock lasts {@code lockTtl}, as a replica configured with that interval. */
    RotationEngine engine(List<Connection> connections, Strategy strategy, int concurrency, Duration lockTtl) {
        return engine(connections, strategy, admin, store, concurrency, lockTtl);
    }

    RotationEngine engine(List<Connection> connections, Strategy strategy, SnowflakeAdmin a, SecretStore s, int concurrency,
            Duration lockTtl) {
        RotationEngine e = new RotationEngine(accounts(a), s, new ConnectionRegistry(connections),
                new RotationEngine.Settings(strategy, concurrency,
                        "test-" + UUID.randomUUID().toString().substring(0, 8), lockTtl, LEASE),
                clock, new AuditLog(clock), new RotationMetrics(meters, clock));
        closeables.add(e::close);
        return e;
    }

    /** The fixture's one account, {@code default}, with {@code admin} as the rotator's client. */
    dev.patrol.snowflake.Accounts accounts(SnowflakeAdmin admin) {
        return dev.patrol.snowflake.Accounts.single("default", endpoint, admin, "PATROL_ROTATOR_ROLE");
    }

    private SnowflakeEmulator second;
    private SnowflakeEndpoint secondEndpoint;
    private SnowflakeAdmin secondAdmin;

    /** A second emulated account, PATROLDEV2 (id {@code second}), seeded the same way; started on first use. */
    synchronized SnowflakeEmulator second() {
        if (second == null) {
            second = SnowflakeEmulator.start("PATROLDEV2", "127.0.0.1", 0, clock);
            closeables.add(second);
            SnowflakeSeed.apply(second, "ADMIN", "patrol-dev", RsaKeys.publicKeyValue(ROTATOR_KEY));
            secondEndpoint = new SnowflakeEndpoint("PATROLDEV2", Optional.of(second.url()));
            Properties creds = new Properties();
            creds.put("user", "PATROL_ROTATOR");
            creds.put("role", "PATROL_ROTATOR_ROLE");
            creds.put("privateKey", ROTATOR_KEY.getPrivate());
            JdbcSnowflakeAdmin jdbc = new JdbcSnowflakeAdmin(secondEndpoint.jdbc(), creds,
                    Integer.getInteger("bench.concurrency", 8));
            closeables.add(jdbc);
            secondAdmin = jdbc;
        }
        return second;
    }

    /** The rotator's client in the second account. */
    SnowflakeAdmin secondAdmin() {
        second();
        return secondAdmin;
    }

    /** Both accounts, {@code default} and {@code second}, with these rotator clients. */
    dev.patrol.snowflake.Accounts bothAccounts(SnowflakeAdmin defaultAdmin, SnowflakeAdmin secondAdmin) {
        second();
        return new dev.patrol.snowflake.Accounts(List.of(
                new dev.patrol.snowflake.Accounts.Account("default", endpoint, defaultAdmin,
                        new dev.patrol.snowflake.PostureSession(defaultAdmin, "PATROL_ROTATOR_ROLE")),
                new dev.patrol.snowflake.Accounts.Account("second", secondEndpoint, secondAdmin,
                        new dev.patrol.snowflake.PostureSession(secondAdmin, "PATROL_ROTATOR_ROLE"))));
    }

    /** An engine over the given accounts. */
    RotationEngine engine(List<Connection> connections, Strategy strategy, dev.patrol.snowflake.Accounts accounts,
            int concurrency) {
        RotationEngine e = new RotationEngine(accounts, store, new ConnectionRegistry(connections),
                new RotationEngine.Settings(strategy, concurrency, "test-" + UUID.randomUUID().toString().substring(0, 8),
                        Duration.ofMinutes(10), LEASE),
                clock, new AuditLog(clock), new RotationMetrics(meters, clock));
        closeables.add(e::close);
        return e;
    }

    /** Incident response over the given accounts. */
    dev.patrol.incident.IncidentResponse incidents(RotationEngine engine, dev.patrol.snowflake.Accounts accounts,
            SecretStore s, List<Connection> connections) {
        dev.patrol.incident.IncidentResponse r = new dev.patrol.incident.IncidentResponse(accounts, s,
                new ConnectionRegistry(connections), engine, new AuditLog(clock), clock);
        closeables.add(r);
        return r;
    }

    /** Registers another CLI identity the way operators do: the setup script with other names. */
    void addCliUser(String user, String role) {
        SnowflakeSeed.runScript(snowflake, "ADMIN", SnowflakeSeed.setupScript(), Map.of("cli_user", user, "cli_role", role,
                "warehouse", "ANALYST_WH", "rotator_user", "PATROL_ROTATOR", "rotator_role", "PATROL_ROTATOR_ROLE",
                "rotator_public_key", RsaKeys.publicKeyValue(ROTATOR_KEY), "cli_allowed_cidr", "127.0.0.0/8",
                "rotator_allowed_cidr", "127.0.0.0/8"));
    }

    List<Map<String, String>> sql(String sql) {
        return snowflake.runAs("ADMIN", "ACCOUNTADMIN", sql);
    }

    /** Logs in with a PAT as a developer's client would; returns CURRENT_ROLE() or throws. */
    String loginRole(String user, String secret) throws SQLException {
        return dev.patrol.devservices.snowflake.PatLogin.currentRole(snowflake, user, secret);
    }

    /** The token name a secret belongs to (SYSTEM$DECODE_PAT), or null for an unknown secret. */
    String tokenNameOf(String secret) {
        String json = sql("SELECT SYSTEM$DECODE_PAT('" + secret + "')").get(0).values().iterator().next();
        int i = json.indexOf("\"PAT_NAME\":\"");
        return i < 0 ? null : json.substring(i + 12, json.indexOf('"', i + 12));
    }

    /** The connection's current record (it must have one). */
    dev.patrol.vault.TokenRecord record(Connection c) {
        return store.current(c.name()).orElseThrow().value();
    }

    /** The user's tokens that can log in now, as SHOW USER PATS lists them. */
    List<Map<String, String>> activeTokens(String user) {
        return sql("SHOW USER PATS FOR USER " + user).stream().filter(r -> "ACTIVE".equals(r.get("status"))).toList();
    }

    /** Active tokens of the user whose secret no readable Vault version of the connection holds. */
    java.util.Set<String> unrecordedActiveTokens(Connection c) {
        java.util.Set<String> recorded = new java.util.HashSet<>();
        for (long v = 1; v <= store.currentVersion(c.name()); v++) {
            store.version(c.name(), v).ifPresent(r -> recorded.add(tokenNameOf(r.value().token())));
        }
        return activeTokens(c.user()).stream().map(r -> r.get("name")).filter(n -> !recorded.contains(n))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** Incident response over this fixture's Snowflake and Vault, sharing {@code engine} (resume mints through it). */
    dev.patrol.incident.IncidentResponse incidents(RotationEngine engine, Connection... connections) {
        dev.patrol.incident.IncidentResponse r = new dev.patrol.incident.IncidentResponse(accounts(admin), store,
                new ConnectionRegistry(List.of(connections)), engine, new AuditLog(clock), clock);
        closeables.add(r);
        return r;
    }

    long statementsMatching(String regex) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.CASE_INSENSITIVE);
        return snowflake.statements().stream().filter(s -> p.matcher(s.sql()).find()).count();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        // the last made first: engines and incident response before the clients they use, clients before emulators
        for (var it = new java.util.ArrayDeque<>(closeables).descendingIterator(); it.hasNext();) {
            AutoCloseable c = it.next();
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        snowflake.close();
        vault.close();
    }
}
