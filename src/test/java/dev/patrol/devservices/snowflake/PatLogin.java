package dev.patrol.devservices.snowflake;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import net.snowflake.client.api.driver.SnowflakeDriver;

/** Logs in to an emulated account with a PAT, as a developer's client would. */
public final class PatLogin {

    private PatLogin() {
    }

    /** {@code CURRENT_ROLE()} of a session opened with the secret; throws when the account refuses it. */
    public static String currentRole(SnowflakeEmulator account, String user, String secret) throws SQLException {
        Properties p = new Properties();
        p.put("user", user);
        p.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        p.put("token", secret);
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        p.put("loginTimeout", "10");
        try (var c = new SnowflakeDriver().connect(account.jdbcUrl(), p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
