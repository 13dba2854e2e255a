package dev.patrol.rotation;

import dev.patrol.devservices.AdjustableClock;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.SecretStore;

import java.sql.SQLException;
import java.util.List;

/** Lets tests in other packages use the rotation test fixture. */
public final class RotationTestAccess {

    private RotationTestAccess() {
    }

    public interface Fixture extends AutoCloseable {
        SnowflakeEmulator snowflake();

        SnowflakeAdmin admin();

        SecretStore store();

        AdjustableClock clock();

        RotationEngine engine(List<Connection> connections, RotationPlanner.Strategy strategy, int concurrency);

        String loginRole(String user, String secret) throws SQLException;

        List<java.util.Map<String, String>> sql(String sql);

        @Override
        void close();
    }

    public static Connection connection(String name, String user, String role) {
        return RotationFixture.connection(name, user, role);
    }

    public static Fixture fixture() {
        RotationFixture f = new RotationFixture();
        return new Fixture() {
            public SnowflakeEmulator snowflake() { return f.snowflake; }
            public SnowflakeAdmin admin() { return f.admin; }
            public SecretStore store() { return f.store; }
            public AdjustableClock clock() { return f.clock; }
            public RotationEngine engine(List<Connection> c, RotationPlanner.Strategy s, int n) { return f.engine(c, s, n); }
            public String loginRole(String user, String secret) throws SQLException { return f.loginRole(user, secret); }
            public List<java.util.Map<String, String>> sql(String sql) { return f.sql(sql); }
            public void close() { f.close(); }
        };
    }
}
