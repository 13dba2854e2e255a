package dev.patrol.helper;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * Run in its own JVM (the driver reads SNOWFLAKE_HOME and SNOWFLAKE_DEFAULT_CONNECTION_NAME from the
 * environment): opens {@code jdbc:snowflake:auto} from the written connections.toml and prints the role.
 */
public final class JdbcAutoMain {

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("disablePlatformDetection", "true");
        try (Connection c = new net.snowflake.client.api.driver.SnowflakeDriver().connect("jdbc:snowflake:auto", p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            rs.next();
            System.out.println("ROLE=" + rs.getString(1));
        }
    }
}
