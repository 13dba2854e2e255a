package dev.patrol.devservices;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import net.snowflake.client.api.driver.SnowflakeDriver;

/** In test (as in dev) mode patrol starts its seeded emulators; the seeded rotator can log in with its key. */
@QuarkusTest
class DevServicesTest {

    // The driver is instantiated directly: DriverManager registers it once per JVM, under the class
    // loader of the first Quarkus application, and a restarted application cannot see that one.

    @Inject
    DevServices devServices;

    @Inject
    PatrolConfig config;

    @Test
    void seededAccountAcceptsTheRotatorsKeyPair() throws Exception {
        SnowflakeEmulator snowflake = devServices.snowflake().orElseThrow();
        assertEquals("PATROLDEV", snowflake.accountName());
        Path key = Files.createTempFile("rotator", ".p8");
        try {
            Files.writeString(key, devServices.rotatorPrivateKeyPem().orElseThrow());
            try (Connection c = loginWithKeyFile(snowflake, key);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW GRANTS TO USER ANALYST_CLI")) {
                assertTrue(rs.next());
                assertEquals("ANALYST_CLI_ROLE", rs.getString("role"));
            }
        } finally {
            Files.deleteIfExists(key);
        }
    }

    /** Logs in as the seeded rotator with a PKCS#8 key file, as patrol itself does. */
    static Connection loginWithKeyFile(SnowflakeEmulator snowflake, Path key) throws java.sql.SQLException {
        Properties p = new Properties();
        p.put("user", "PATROL_ROTATOR");
        p.put("authenticator", "SNOWFLAKE_JWT");
        p.put("private_key_file", key.toAbsolutePath().toString());
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        return new SnowflakeDriver().connect(snowflake.jdbcUrl(), p);
    }

    @Test
    void seededConnectionIsRegistered() {
        PatrolConfig.Connection c = config.connections().get("analyst_cli");
        assertEquals("ANALYST_CLI", c.user());
        assertEquals("ANALYST_CLI_ROLE", c.role());
    }

    @Test
    void standardEndpointsAnswer() {
        RestAssured.when().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
        RestAssured.when().get("/q/openapi").then().statusCode(200);
    }
}
