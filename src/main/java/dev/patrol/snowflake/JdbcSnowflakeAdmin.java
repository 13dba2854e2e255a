package dev.patrol.snowflake;

import java.net.URI;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

import net.snowflake.client.api.driver.SnowflakeDriver;

/**
 * {@link SnowflakeAdmin} over the real {@code snowflake-jdbc} driver, with a small pool of
 * key-pair sessions of the rotator. Every connection sets {@code disablePlatformDetection=true} and
 * {@code JDBC_QUERY_RESULT_FORMAT=JSON} (no Arrow, no cloud metadata calls) and bounded login and
 * network timeouts. The driver is instantiated directly: {@code DriverManager} binds it to the class
 * loader that first registered it.
 */
public final class JdbcSnowflakeAdmin implements SnowflakeAdmin, AutoCloseable {

    /** Where the account is and how the JDBC URL names it. */
    public record Endpoint(String jdbcUrl, String account) {

        /** From {@code patrol.snowflake.url} when given (http allowed for emulators), else from the account. */
        public static Endpoint of(String account, Optional<String> url) {
            if (url.isEmpty()) {
                return new Endpoint(
                        "jdbc:snowflake://" + account.toLowerCase(Locale.ROOT) + ".snowflakecomputing.com:443/?account="
                                + account,
                        account);
            }
            URI u = URI.create(url.get());
            boolean http = "http".equalsIgnoreCase(u.getScheme());
            int port = u.getPort() > 0 ? u.getPort() : http ? 80 : 443;
            // The driver reads the account from the URL itself when the host is not <account>.snowflakecomputing.com.
            return new Endpoint(
                    "jdbc:snowflake://" + u.getHost() + ":" + port + "/?account=" + account + (http ? "&ssl=off" : ""),
                    account);
        }
    }

    /** Statement codes after which a pooled session is useless; the statement did not run. */
    private static final Set<Integer> SESSION_GONE = Set.of(390111, 390114);
    static final String LOGIN_TIMEOUT_SECONDS = "10";
    static final String NETWORK_TIMEOUT_MILLIS = "30000";

    static {
        // DriverManager loads every JDBC driver the first time it is asked. patrol never asks it (see
        // the class comment), but Quarkus does when its class loader closes (dev mode, tests), and
        // loading the 99 MB driver from a closing class loader held up shutdown for over a minute.
        // Asked once here, it has nothing left to load then. In production the driver may still be
        // loading on its own thread (DriverPreload): wait for it, never initialize it from two threads.
        DriverPreload.await();
        DriverManager.getDrivers();
    }

    private final Driver driver;
    private final Endpoint endpoint;
    private final Properties rotator;
    private final BlockingQueue<Connection> idle;
    private final Semaphore permits;
    private final LoginBackoff logins;

    /**
     * @param rotatorCredentials the rotator's user, role and key: {@code privateKey} (a PrivateKey) or
     *        {@code private_key_file} (+ {@code private_key_pwd})
     */
    public JdbcSnowflakeAdmin(Endpoint endpoint, Properties rotatorCredentials, int poolSize) {
        this(endpoint, rotatorCredentials, poolSize, new SnowflakeDriver(), System::nanoTime);
    }

    /** With another driver and clock (tests of the login back-off). */
    JdbcSnowflakeAdmin(Endpoint endpoint, Properties rotatorCredentials, int poolSize, Driver driver,
            java.util.function.LongSupplier nanoTime) {
        this.driver = driver;
        this.logins = new LoginBackoff(nanoTime);
        this.endpoint = endpoint;
        this.rotator = base();
        this.rotator.putAll(rotatorCredentials);
        this.idle = new ArrayBlockingQueue<>(poolSize);
        this.permits = new Semaphore(poolSize, true);
    }

    static Properties base() {
        Properties p = new Properties();
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        p.put("loginTimeout", LOGIN_TIMEOUT_SECONDS);
        p.put("networkTimeout", NETWORK_TIMEOUT_MILLIS);
        return p;
    }

    @Override
    public String account() {
        return endpoint.account();
    }

    // ---------------------------------------------------------------- statements

    @Override
    public UserFacts describeUser(String user) {
        String u = Identifiers.quoted(user);
        return run("describe user", user, c -> {
            String type = null;
            boolean disabled = false;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE USER " + u)) {
                while (rs.next()) {
                    String property = rs.getString("property");
                    String value = rs.getString("value");
                    if ("TYPE".equals(property))
                        type = "null".equals(value) ? null : value;
                    if ("DISABLED".equals(property))
                        disabled = "true".equalsIgnoreCase(value);
                }
            } catch (SQLException e) {
                if (e.getErrorCode() == 2003)
                    return UserFacts.missing();
                throw e;
            }
            Set<String> roles = new LinkedHashSet<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW GRANTS TO USER " + u)) {
                // UNCONFIRMED shape: read role grants by column name, either layout.
                boolean hasGrantedOn = hasColumn(rs, "granted_on");
                while (rs.next()) {
                    if (hasGrantedOn && !"ROLE".equalsIgnoreCase(rs.getString("granted_on")))
                        continue;
                    roles.add(rs.getString("role"));
                }
            }
            return new UserFacts(true, type, disabled, Set.copyOf(roles));
        });
    }

    @Override
    public List<PatInfo> listPats(String user) {
        String u = Identifiers.quoted(user);
        return run("show pats", user, c -> {
            List<PatInfo> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW USER PATS FOR USER " + u)) {
                while (rs.next()) {
                    out.add(new PatInfo(rs.getString("name"), rs.getString("role_restriction"),
                            instant(rs.getTimestamp("expires_at")),
                            rs.getString("status"), rs.getString("comment"), instant(rs.getTimestamp("created_on")),
                            rs.getString("rotated_to")));
                }
            }
            return out;
        });
    }

    @Override
    public Added addPat(String user, String tokenName, String role, int daysToExpiry, String comment) {
        String sql = "ALTER USER " + Identifiers.quoted(user) + " ADD PAT " + Identifiers.quoted(tokenName)
                + " ROLE_RESTRICTION = " + Identifiers.literal(Identifiers.normalize(role)) + " DAYS_TO_EXPIRY = "
                + daysToExpiry
                + " COMMENT = " + Identifiers.literal(comment);
        return run("add pat", user, c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (!rs.next() || rs.getString("token_secret") == null)
                    throw new SQLException("ADD PAT returned no secret", "XX000", 0);
                return new Added(rs.getString("token_name"), new Secret(rs.getString("token_secret")));
            }
        });
    }

    @Override
    public Rotated rotatePat(String user, String tokenName, int expireRotatedAfterHours) {
        String sql = "ALTER USER " + Identifiers.quoted(user) + " ROTATE PAT " + Identifiers.quoted(tokenName)
                + " EXPIRE_ROTATED_TOKEN_AFTER_HOURS = " + expireRotatedAfterHours;
        return run("rotate pat", user, c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (!rs.next() || rs.getString("token_secret") == null)
                    throw new SQLException("ROTATE PAT returned no secret", "XX000", 0);
                return new Rotated(rs.getString("token_name"), new Secret(rs.getString("token_secret")),
                        rs.getString("rotated_token_name"));
            }
        });
    }

    @Override
    public void removePat(String user, String tokenName) {
        // Without token-level IF EXISTS (older accounts lack it): a missing token is fine.
        String sql = "ALTER USER " + Identifiers.quoted(user) + " REMOVE PAT " + Identifiers.quoted(tokenName);
        run("remove pat", user, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                if (e.getMessage() == null || !e.getMessage().contains("not found"))
                    throw e;
            }
            return null;
        });
    }

    @Override
    public void disablePat(String user, String tokenName) {
        String sql = "ALTER USER " + Identifiers.quoted(user) + " MODIFY PAT " + Identifiers.quoted(tokenName)
                + " SET DISABLED = TRUE";
        run("disable pat", user, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    @Override
    public void disableUser(String user) {
        String sql = "ALTER USER " + Identifiers.quoted(user) + " SET DISABLED = TRUE";
        run("disable user", user, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    @Override
    public List<java.util.Map<String, String>> read(String sql) {
        return run("read", null, c -> {
            List<java.util.Map<String, String>> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    java.util.Map<String, String> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= n; i++)
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                    out.add(row);
                }
            }
            return out;
        });
    }

    @Override
    public String ping() {
        return run("ping", null, c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    @Override
    public String validate(String user, String role, Secret secret) {
        Properties p = base();
        p.put("user", Identifiers.normalize(user));
        p.put("role", Identifiers.normalize(role));
        p.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        p.put("token", secret.reveal());
        try (Connection c = driver.connect(endpoint.jdbcUrl(), p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw failure("validate new secret", user, e);
        }
    }

    // ---------------------------------------------------------------- pool

    @FunctionalInterface
    interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T run(String operation, String user, Work<T> work) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnowflakeException(operation, user, 0, null, "interrupted", e);
        }
        try {
            for (int attempt = 1;; attempt++) {
                // A retry never takes another pooled session: it may have died the same way.
                Connection c = attempt == 1 ? idle.poll() : null;
                try {
                    if (c == null || c.isClosed())
                        c = login(operation, user);
                    T result = work.apply(c);
                    idle.offer(c);
                    return result;
                } catch (SQLException e) {
                    closeQuietly(c);
                    // A dead session (the account restarted, the master token expired) ran nothing: one fresh try.
                    if (attempt == 1 && SESSION_GONE.contains(e.getErrorCode()))
                        continue;
                    throw failure(operation, user, e);
                }
            }
        } finally {
            permits.release();
        }
    }

    /**
     * A new session of the rotator, unless logins to this account are failing: then the call fails at once (see
     * {@link LoginBackoff}), so one unreachable account costs one login timeout, not one per call.
     */
    private Connection login(String operation, String user) throws SQLException {
        LoginBackoff.Unavailable down = logins.admit();
        if (down != null) {
            throw new SnowflakeException(operation, user, down.code(), down.sqlState(), "account " + endpoint.account()
                    + " unavailable: the last login failed (" + down.reason() + "); next try in "
                    + Math.max(1, (down.retryInMillis() + 999) / 1000) + "s", null, true);
        }
        try {
            Connection c = driver.connect(endpoint.jdbcUrl(), rotator);
            logins.succeeded();
            return c;
        } catch (SQLException e) {
            logins.failed(e.getErrorCode(), e.getSQLState() == null ? "08001" : e.getSQLState(), firstLine(e.getMessage()));
            throw new SnowflakeException(operation, user, e.getErrorCode(), e.getSQLState(),
                    "login to account " + endpoint.account() + " failed: " + firstLine(e.getMessage()), e, true);
        } catch (RuntimeException | Error e) {
            // however the login ends, it is reported: an admitted retrier that never reports leaves the account failing fast
            logins.failed(0, "08001", e.getClass().getSimpleName());
            throw e;
        }
    }

    private static SnowflakeException failure(String operation, String user, SQLException e) {
        return new SnowflakeException(operation, user, e.getErrorCode(), e.getSQLState(), firstLine(e.getMessage()), e);
    }

    private static String firstLine(String message) {
        if (message == null)
            return "no message";
        return message.replace("SQL compilation error:\n", "").replace('\n', ' ').trim();
    }

    private static boolean hasColumn(ResultSet rs, String name) throws SQLException {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            if (rs.getMetaData().getColumnLabel(i).equalsIgnoreCase(name))
                return true;
        }
        return false;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static void closeQuietly(Connection c) {
        if (c == null)
            return;
        try {
            c.close();
        } catch (SQLException e) {
            // already broken
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.poll()) != null)
            closeQuietly(c);
    }
}
