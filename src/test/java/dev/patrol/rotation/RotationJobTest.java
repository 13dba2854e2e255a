package dev.patrol.rotation;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/** Inside patrol on its dev services: a sweep gives the seeded connection a working secret. */
@QuarkusTest
class RotationJobTest {

    @Inject
    RotationEngine engine;

    @Inject
    SecretStore store;

    @Inject
    DevServices devServices;

    @Test
    void theSeededConnectionGetsAWorkingSecretAndMetrics() throws Exception {
        RotationEngine.SweepReport report = engine.sweep();
        RotationEngine.Result result = report.of("analyst_cli").orElseThrow().result();
        assertTrue(java.util.Set.of(RotationEngine.Result.MINTED, RotationEngine.Result.UNCHANGED).contains(result),
                "the first sweep mints (or finds the secret an earlier test class minted), not " + result);
        TokenRecord r = store.current("analyst_cli").orElseThrow().value();
        Properties p = new Properties();
        p.put("user", r.user());
        p.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        p.put("token", r.token());
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        String url = devServices.snowflake().orElseThrow().jdbcUrl();
        try (var c = new net.snowflake.client.api.driver.SnowflakeDriver().connect(url, p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            rs.next();
            assertEquals("ANALYST_CLI_ROLE", rs.getString(1));
        }
        RestAssured.when().get("/q/metrics").then().statusCode(200)
                .body(containsString("patrol_secret_expires_in_seconds{account=\"default\",connection=\"analyst_cli\"}"))
                .body(containsString("patrol_sweep_duration_seconds_count"))
                .body(not(containsString(r.token())));
    }
}
