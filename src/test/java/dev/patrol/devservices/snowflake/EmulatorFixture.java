package dev.patrol.devservices.snowflake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.function.Executable;

import dev.patrol.devservices.AdjustableClock;
import net.snowflake.client.api.driver.SnowflakeDriver;

/**
 * A seeded Snowflake emulator and helpers to reach it through the real snowflake-jdbc driver,
 * with the connection properties patrol itself uses (platform detection off, JSON results).
 * Register it per test with {@code @RegisterExtension final EmulatorFixture f = new EmulatorFixture();}
 * (JUnit makes a new test instance, so a new account, for every test) or use it in try-with-resources.
 */
final class EmulatorFixture implements AutoCloseable, AfterEachCallback {

    static final String ADMIN = "ADMIN";
    static final String ADMIN_PASSWORD = "patrol-dev";
    /** RSA key generation is the slow part of seeding; one rotator key serves every test. */
    static final KeyPair ROTATOR_KEY = RsaKeys.generate();

    final AdjustableClock clock = new AdjustableClock();
    final SnowflakeEmulator emulator;

    /** The seeded account of design §8. */
    EmulatorFixture() {
        this(true);
    }

    /** With {@code seed} false, an empty account with only the admin login. */
    EmulatorFixture(boolean seed) {
        emulator = SnowflakeEmulator.start("PATROLDEV", "127.0.0.1", 0, clock);
        if (seed) {
            SnowflakeSeed.apply(emulator, ADMIN, ADMIN_PASSWORD, RsaKeys.publicKeyValue(ROTATOR_KEY));
        } else {
            emulator.runAs("SYSTEM", "ACCOUNTADMIN",
                    "CREATE USER " + ADMIN + " PASSWORD = '" + ADMIN_PASSWORD + "' DEFAULT_ROLE = ACCOUNTADMIN");
            emulator.runAs("SYSTEM", "ACCOUNTADMIN", "GRANT ROLE ACCOUNTADMIN TO USER " + ADMIN);
        }
    }

    static Properties baseProperties() {
        Properties p = new Properties();
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        p.put("loginTimeout", "10");
        p.put("networkTimeout", "20000");
        return p;
    }

    Connection connect(Properties extra) throws SQLException {
        Properties p = baseProperties();
        p.putAll(extra);
        // The driver directly, as patrol uses it: DriverManager keeps the driver of whichever class
        // loader asked first in this JVM, a Quarkus application's in a test run.
        Connection c = new SnowflakeDriver().connect(emulator.jdbcUrl(), p);
        if (c == null)
            throw new SQLException("the driver does not accept " + emulator.jdbcUrl());
        return c;
    }

    Connection password(String user, String password) throws SQLException {
        return password(user, password, null);
    }

    Connection password(String user, String password, String role) throws SQLException {
        Properties p = new Properties();
        p.put("user", user);
        p.put("password", password);
        if (role != null)
            p.put("role", role);
        return connect(p);
    }

    Connection admin() throws SQLException {
        return password(ADMIN, ADMIN_PASSWORD);
    }

    /** PAT login with {@code authenticator=PROGRAMMATIC_ACCESS_TOKEN} and {@code token}. */
    Connection pat(String user, String secret) throws SQLException {
        return pat(user, secret, null);
    }

    Connection pat(String user, String secret, String role) throws SQLException {
        Properties p = new Properties();
        p.put("user", user);
        p.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        p.put("token", secret);
        if (role != null)
            p.put("role", role);
        return connect(p);
    }

    Connection rotator() throws SQLException {
        Properties p = new Properties();
        p.put("user", SnowflakeSeed.ROTATOR_USER);
        p.put("privateKey", ROTATOR_KEY.getPrivate());
        return connect(p);
    }

    /** Runs a statement as the emulator's admin, without a login. */
    List<Map<String, String>> admin(String sql) {
        return emulator.runAs(ADMIN, "ACCOUNTADMIN", sql);
    }

    private Connection adminConnection;

    /** Runs a statement as the admin through the real driver (one connection, kept open). */
    List<Map<String, String>> sql(String sql) throws SQLException {
        if (adminConnection == null || adminConnection.isClosed())
            adminConnection = admin();
        return rows(adminConnection, sql);
    }

    /** Adds a PAT to the seeded CLI user as the admin and returns its secret. */
    String addCliPat(String name) {
        return admin("ALTER USER ANALYST_CLI ADD PAT " + name + " ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'").get(0)
                .get("token_secret");
    }

    static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, String>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++)
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                out.add(row);
            }
            return out;
        }
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next())
                throw new AssertionError("no row for " + sql);
            return rs.getString(1);
        }
    }

    /** Asserts that the action fails with this Snowflake error code and SQLSTATE. */
    static SQLException assertSnowflakeError(int code, String sqlState, Executable action) {
        SQLException e = assertThrows(SQLException.class, action);
        assertEquals(code, e.getErrorCode(), () -> "error code of: " + e.getMessage());
        assertEquals(sqlState, e.getSQLState(), () -> "SQLSTATE of: " + e.getMessage());
        return e;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        try {
            if (adminConnection != null)
                adminConnection.close();
        } catch (SQLException e) {
            // the emulator is going away anyway
        }
        emulator.close();
    }
}
