package dev.patrol.rotation;

import java.sql.SQLException;
import java.util.List;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.devservices.AdjustableClock;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.SecretStore;

/** Lets tests in other packages use the rotation test fixture. */
public final class RotationTestAccess {

    private RotationTestAccess() {
    }

    public interface Fixture extends AutoCloseable {
        SnowflakeEmulator snowflake();

        SnowflakeAdmin admin();

        /** The fixture's one account ({@code default}) with its admin. */
        dev.patrol.snowflake.Accounts accounts();

        SecretStore store();

        AdjustableClock clock();

        RotationEngine engine(List<Connection> connections, Strategy strategy, int concurrency);

        String loginRole(String user, String secret) throws SQLException;

        List<java.util.Map<String, String>> sql(String sql);

        @Override
        void close();
    }

    /**
     * Creates {@code n} CLI users ({@code <prefix>_CLI_i} with role {@code <prefix>_ROLE_i}) set up as setup.sql and
     * add-cli-user.sql would.
     */
    public static List<Connection> addCliUsers(SnowflakeEmulator snowflake, String prefix, int n) {
        List<Connection> connections = new java.util.ArrayList<>();
        List<String> setup = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String user = prefix + "_CLI_" + i, role = prefix + "_ROLE_" + i;
            setup.add("CREATE ROLE " + role);
            setup.add("CREATE USER " + user + " TYPE = SERVICE DEFAULT_ROLE = " + role
                    + " NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY");
            setup.add("GRANT ROLE " + role + " TO USER " + user);
            setup.add("GRANT OWNERSHIP ON USER " + user + " TO ROLE PATROL_ROTATOR_ROLE COPY CURRENT GRANTS");
            setup.add("ALTER USER " + user + " SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT FORCE");
            connections.add(RotationFixture.connection(prefix.toLowerCase(java.util.Locale.ROOT) + "-" + i, user, role));
        }
        snowflake.runScriptAs("ADMIN", "ACCOUNTADMIN", setup);
        return connections;
    }

    public static Connection connection(String name, String user, String role) {
        return RotationFixture.connection(name, user, role);
    }

    public static Fixture fixture() {
        RotationFixture f = new RotationFixture();
        return new Fixture() {
            public SnowflakeEmulator snowflake() {
                return f.snowflake;
            }

            public dev.patrol.snowflake.Accounts accounts() {
                return f.accounts(f.admin);
            }

            @Override
            public SnowflakeAdmin admin() {
                return f.admin;
            }

            public SecretStore store() {
                return f.store;
            }

            public AdjustableClock clock() {
                return f.clock;
            }

            public RotationEngine engine(List<Connection> c, Strategy s, int n) {
                return f.engine(c, s, n);
            }

            public String loginRole(String user, String secret) throws SQLException {
                return f.loginRole(user, secret);
            }

            public List<java.util.Map<String, String>> sql(String sql) {
                return f.sql(sql);
            }

            public void close() {
                f.close();
            }
        };
    }
}
