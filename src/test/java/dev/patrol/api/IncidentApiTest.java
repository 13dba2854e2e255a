package dev.patrol.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import net.snowflake.client.api.driver.SnowflakeDriver;

/** Revoke, resume and revoke-all through the API, against the emulators (issue 7, incident response). */
@QuarkusTest
class IncidentApiTest {

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;
    @Inject
    IncidentResponse incidents;
    @Inject
    ConnectionRegistry registry;

    VaultSeed.Tokens tokens;

    @BeforeEach
    void setUp() {
        tokens = devServices.vaultTokens().orElseThrow();
        engine.sweep();
    }

    @AfterEach
    void resume() {
        // through the API, so this replica's short state cache learns of it at once
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + devServices.vaultTokens().orElseThrow().oncall())
                .post("/api/v1/connections/analyst_cli/resume").then().statusCode(200);
    }

    void login(String secret) throws SQLException {
        Properties p = new Properties();
        p.put("user", "ANALYST_CLI");
        p.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        p.put("token", secret);
        p.put("disablePlatformDetection", "true");
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        p.put("loginTimeout", "10");
        new SnowflakeDriver().connect(devServices.snowflake().orElseThrow().jdbcUrl(), p).close();
    }

    @Test
    void revokeKillsTheSecretEverywhereAndResumeMintsAFreshOne() throws Exception {
        String before = store.current("analyst_cli").orElseThrow().value().token();
        long version = store.currentVersion("analyst_cli");
        login(before);
        // a token someone made by hand goes too: the secret may have leaked anywhere
        devServices.snowflake().orElseThrow().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        Response r = given().header("Authorization", "Bearer " + tokens.oncall()).contentType("application/json")
                .body("{\"reason\":\"secret pasted in a public channel\"}").post("/api/v1/connections/analyst_cli/revoke");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.jsonPath().getBoolean("complete"));
        assertTrue(r.jsonPath().getList("removed_tokens").containsAll(List.of("PATROL_ANALYST_CLI", "HANDMADE")));
        assertThrows(SQLException.class, () -> login(before), "the revoked secret no longer logs in");
        assertTrue(store.current("analyst_cli").isEmpty(), "no readable version");
        for (long v = 1; v <= version; v++)
            assertTrue(store.version("analyst_cli", v).isEmpty(), "version " + v + " destroyed");
        // one more version: the revocation's fence (no secret, destroyed too) that stops a stalled writer's check-and-set
        assertEquals(version + 1, store.currentVersion("analyst_cli"), "metadata kept for the audit");
        Response fetch = given().header("Authorization", "Bearer " + tokens.developer())
                .get("/api/v1/connections/analyst_cli/token");
        assertEquals(423, fetch.statusCode());
        assertTrue(fetch.asString().contains("secret pasted"));
        assertEquals(RotationEngine.Result.SUSPENDED, engine.sweep().of("analyst_cli").orElseThrow().result(),
                "sweeps leave it alone");
        given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/connections/analyst_cli")
                .then().statusCode(403);
        // idempotent
        assertEquals(200, given().header("Authorization", "Bearer " + tokens.oncall()).contentType("application/json")
                .body("{\"reason\":\"again\"}").post("/api/v1/connections/analyst_cli/revoke").statusCode());

        Response resumed = given().header("Authorization", "Bearer " + tokens.oncall())
                .post("/api/v1/connections/analyst_cli/resume");
        assertEquals(200, resumed.statusCode(), resumed.asString());
        assertEquals("minted", resumed.jsonPath().getString("result"));
        String after = given().header("Authorization", "Bearer " + tokens.developer())
                .get("/api/v1/connections/analyst_cli/token")
                .jsonPath().getString("token");
        assertNotEquals(before, after);
        login(after);
    }

    @Test
    void disablingTheUserNeedsOwnershipAndAPartialRevocationSaysWhatFailed() throws Exception {
        String before = store.current("analyst_cli").orElseThrow().value().token();
        // the grant set of before setup.sql gave the rotator ownership: token management, no ownership
        var snowflake = devServices.snowflake().orElseThrow();
        snowflake.runScriptAs("ADMIN", "ACCOUNTADMIN", java.util.List.of(
                "GRANT OWNERSHIP ON USER ANALYST_CLI TO ROLE USERADMIN COPY CURRENT GRANTS",
                "GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER ANALYST_CLI TO ROLE PATROL_ROTATOR_ROLE"));
        Response r;
        try {
            r = given().header("Authorization", "Bearer " + tokens.oncall()).contentType("application/json")
                    .body("{\"reason\":\"stolen laptop\"}").post("/api/v1/connections/analyst_cli/revoke?disable-user=true");
        } finally {
            snowflake.runAs("ADMIN", "ACCOUNTADMIN",
                    "GRANT OWNERSHIP ON USER ANALYST_CLI TO ROLE PATROL_ROTATOR_ROLE REVOKE CURRENT GRANTS");
        }
        assertEquals(502, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/problem+json"));
        assertFalse(r.jsonPath().getBoolean("results[0].user_disabled"));
        assertTrue(r.jsonPath().getString("results[0].failures[0]").contains("disable user"), r.asString());
        assertTrue(r.jsonPath().getBoolean("results[0].secret_destroyed"));
        assertThrows(SQLException.class, () -> login(before), "the tokens are gone even though the user could not be disabled");
        assertFalse(r.asString().contains(before));
    }

    @Test
    void breakGlassRevokesEveryConnection() throws Exception {
        String before = store.current("analyst_cli").orElseThrow().value().token();
        Response r = given().header("Authorization", "Bearer " + tokens.breakglass()).contentType("application/json")
                .body("{\"reason\":\"account compromise\",\"confirm\":\"REVOKE ALL\"}").post("/api/v1/revoke-all");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.jsonPath().getBoolean("complete"));
        assertEquals(registry.all().size(), r.jsonPath().getList("results").size());
        assertThrows(SQLException.class, () -> login(before));
    }
}
