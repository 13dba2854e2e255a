package dev.patrol.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.snowflake.PatLogin;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/**
 * The whole service with the two emulated accounts of dev services and a connection in each, as dev
 * mode runs it: rotation, fetches, the developer's connection section, readiness, revoke-all, drift
 * and posture, with one account refusing logins and slow while the other is used.
 */
@QuarkusTest
@TestProfile(MultiAccountApiTest.TwoAccounts.class)
class MultiAccountApiTest {

    public static class TwoAccounts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("patrol.connections.analyst_cli_second.account", "second",
                    "patrol.connections.analyst_cli_second.user", "ANALYST_CLI",
                    "patrol.connections.analyst_cli_second.role", "ANALYST_CLI_ROLE",
                    "patrol.connections.analyst_cli_second.warehouse", "ANALYST_WH");
        }
    }

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    VaultSeed.Tokens tokens;
    SnowflakeEmulator first;
    SnowflakeEmulator second;

    @BeforeEach
    void setUp() {
        tokens = devServices.vaultTokens().orElseThrow();
        first = devServices.snowflake().orElseThrow();
        second = devServices.secondSnowflake().orElseThrow();
        engine.sweep();
    }

    @AfterEach
    void heal() {
        second.faults().reset();
        for (String name : List.of("analyst_cli", "analyst_cli_second")) {
            if (store.state(name).map(s -> "true".equals(s.value().get("suspended"))).orElse(false)) {
                given().header("Authorization", "Bearer " + tokens.oncall()).post("/api/v1/connections/" + name + "/resume")
                        .then().statusCode(200);
            }
        }
    }

    static String role(SnowflakeEmulator account, String secret) throws SQLException {
        return PatLogin.currentRole(account, "ANALYST_CLI", secret);
    }

    String toml(String connection) {
        Response r = given().header("X-Vault-Token", tokens.developer()).accept("application/toml")
                .get("/api/v1/connections/" + connection + "/token");
        assertEquals(200, r.statusCode(), r.asString());
        return r.asString();
    }

    @Test
    void eachConnectionRotatesInItsOwnAccountAndItsSectionSaysWhere() throws Exception {
        assertEquals("PATROLDEV", store.current("analyst_cli").orElseThrow().value().account());
        assertEquals("PATROLDEV2", store.current("analyst_cli_second").orElseThrow().value().account());

        String section = toml("analyst_cli_second");
        assertTrue(section.contains("account = \"PATROLDEV2\""), section);
        assertTrue(section.contains("port = \"" + second.port() + "\""), section);
        assertTrue(toml("analyst_cli").contains("port = \"" + first.port() + "\""));

        String secret = store.current("analyst_cli_second").orElseThrow().value().token();
        assertEquals("ANALYST_CLI_ROLE", role(second, secret));
        assertThrows(SQLException.class, () -> role(first, secret), "a secret of one account is unknown in the other");

        Response list = given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/connections");
        assertEquals(200, list.statusCode(), list.asString());
        assertEquals("second", list.jsonPath().getString("find { it.name == 'analyst_cli_second' }.account"));
        String metrics = RestAssured.get("/q/metrics").asString();
        assertTrue(metrics.contains("patrol_secret_expires_in_seconds{account=\"second\",connection=\"analyst_cli_second\"}"));
        assertTrue(metrics.contains("patrol_last_successful_sweep_seconds{account=\"second\"}"));
    }

    @Test
    void anAccountThatRefusesLoginsAndCrawlsLeavesTheOtherWorking() throws Exception {
        String kept = store.current("analyst_cli_second").orElseThrow().value().token();
        second.faults().statementLatency(Duration.ofMillis(200));
        second.faults().refuseLogins(true);
        second.dropAllSessions();

        Response rotated = given().header("Authorization", "Bearer " + tokens.oncall())
                .post("/api/v1/connections/analyst_cli/rotate");
        assertEquals(200, rotated.statusCode(), rotated.asString());
        String fresh = store.current("analyst_cli").orElseThrow().value().token();
        assertEquals("ANALYST_CLI_ROLE", role(first, fresh));
        assertTrue(toml("analyst_cli").contains(fresh), "fetches of the healthy account serve its new secret");

        Response refused = given().header("Authorization", "Bearer " + tokens.oncall())
                .post("/api/v1/connections/analyst_cli_second/rotate");
        assertEquals(503, refused.statusCode(), refused.asString());
        assertTrue(toml("analyst_cli_second").contains(kept), "the sick account's working secret is still served");

        Response ready = RestAssured.get("/q/health/ready");
        assertEquals(200, ready.statusCode(), "one account down does not take patrol out of service: " + ready.asString());
        String snowflake = "checks.find { it.name == 'snowflake' }.data.";
        assertTrue(ready.jsonPath().getString(snowflake + "default").startsWith("PATROLDEV UP"), ready.asString());
        assertTrue(ready.jsonPath().getString(snowflake + "second").startsWith("PATROLDEV2 DOWN"), ready.asString());

        RotationEngine.SweepReport r = engine.sweep();
        assertEquals(RotationEngine.Result.UNCHANGED, r.of("analyst_cli").orElseThrow().result(), r.outcomes().toString());
        assertTrue(List.of(RotationEngine.Result.FAILED, RotationEngine.Result.BACKING_OFF)
                .contains(r.of("analyst_cli_second").orElseThrow().result()), r.outcomes().toString());
    }

    @Test
    void revokeAllCoversEveryAccountAndGroupsTheResultsByAccount() {
        List<String> secrets = List.of(store.current("analyst_cli").orElseThrow().value().token(),
                store.current("analyst_cli_second").orElseThrow().value().token());
        Response r = given().header("Authorization", "Bearer " + tokens.breakglass()).contentType("application/json")
                .body("{\"reason\":\"drill\",\"confirm\":\"REVOKE ALL\"}").post("/api/v1/revoke-all");
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals(List.of("analyst_cli"), r.jsonPath().getList("accounts.default.connections"));
        assertEquals(List.of("analyst_cli_second"), r.jsonPath().getList("accounts.second.connections"));
        assertTrue(r.jsonPath().getBoolean("accounts.second.complete"));
        assertEquals("second", r.jsonPath().getString("results.find { it.connection == 'analyst_cli_second' }.account"));
        assertThrows(SQLException.class, () -> role(first, secrets.get(0)));
        assertThrows(SQLException.class, () -> role(second, secrets.get(1)));
    }

    @Test
    void driftAndPostureNameTheAccountOfEachFinding() {
        second.runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        try {
            Response drift = given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/drift");
            assertEquals(200, drift.statusCode(), drift.asString());
            assertEquals(List.of("analyst_cli_second"),
                    drift.jsonPath().getList("findings.findAll { it.kind == 'foreign-token' }.connection"));
            assertEquals(List.of("second"),
                    drift.jsonPath().getList("findings.findAll { it.kind == 'foreign-token' }.account"));
        } finally {
            second.runAs("ADMIN", "ACCOUNTADMIN", "ALTER USER ANALYST_CLI REMOVE PAT HANDMADE");
        }
        Response posture = given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/posture");
        assertEquals(200, posture.statusCode(), posture.asString());
        List<String> accounts = posture.jsonPath()
                .getList("checks.findAll { it.check == 'person-users-cannot-use-pats' }.account");
        assertEquals(List.of("default", "second"), accounts.stream().sorted().toList());
        assertFalse(posture.asString().contains(store.current("analyst_cli").orElseThrow().value().token()));
    }
}
