package dev.patrol.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** GET /api/v1/connections/{name}/history and the metrics the alerting rules read (issue 15). */
@QuarkusTest
class HistoryApiTest {

    static final String HISTORY = "/api/v1/connections/analyst_cli/history";

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    VaultSeed.Tokens tokens;
    /** Every secret this test saw in Vault: none may appear in any history answer. */
    final List<String> secrets = new ArrayList<>();

    @BeforeEach
    void setUp() {
        tokens = devServices.vaultTokens().orElseThrow();
        engine.sweep();
        remember();
    }

    @AfterEach
    void resume() {
        given().header("Authorization", "Bearer " + tokens.oncall()).post("/api/v1/connections/analyst_cli/resume").then()
                .statusCode(200);
    }

    void remember() {
        store.current("analyst_cli").ifPresent(r -> secrets.add(r.value().token()));
    }

    Response history(String token) {
        Response r = given().header("Authorization", "Bearer " + token).get(HISTORY);
        for (String s : secrets)
            assertFalse(r.asString().contains(s), "a history answer carried a secret");
        return r;
    }

    @Test
    void readOnReportsOrOnTheRecordIsEnough() {
        String nobody = devServices.vault().orElseThrow().createToken(List.of(), Duration.ofHours(1), "nobody");
        ApiTest.problem(given().get(HISTORY), 401);
        ApiTest.problem(history("hvs.not-a-real-token"), 401);
        Response denied = history(nobody);
        ApiTest.problem(denied, 403);
        assertTrue(denied.jsonPath().getString("detail").contains("patrol/reports"), denied.asString());
        assertEquals(200, history(tokens.oncall()).statusCode(), "read on patrol/reports");
        assertEquals(200, history(tokens.developer()).statusCode(), "read on the connection's record");
        ApiTest.problem(
                given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/connections/unknown_cli/history"),
                404);
        ApiTest.problem(
                given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/connections/NOT_VALID/history"), 404);
        // the developer's policy covers analyst_cli only; an unregistered name is still refused before it is looked up
        ApiTest.problem(
                given().header("Authorization", "Bearer " + tokens.developer()).get("/api/v1/connections/other_cli/history"),
                403);
    }

    @Test
    void versionsFollowRotateRevokeAndResume() {
        JsonPath before = history(tokens.oncall()).jsonPath();
        assertEquals("ok", before.getString("status"));
        int versions = before.getList("versions").size();
        assertTrue(versions >= 1);
        assertEquals("current", before.getString("versions[-1].status"));
        assertEquals("PATROL_ANALYST_CLI", before.getString("current.token_name"));

        Response rotated = given().header("Authorization", "Bearer " + tokens.oncall())
                .post("/api/v1/connections/analyst_cli/rotate");
        assertEquals(200, rotated.statusCode(), rotated.asString());
        remember();
        devServices.snowflake().orElseThrow().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT HISTORY_HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        JsonPath after = history(tokens.developer()).jsonPath();
        assertEquals(versions + 1, after.getList("versions").size());
        assertEquals("replaced", after.getString("versions[-2].status"));
        String replacedAt = after.getString("versions[-2].replaced_at");
        assertEquals(after.getString("versions[-1].written_at"), replacedAt);
        assertEquals(Instant.parse(replacedAt).plus(Duration.ofHours(after.getInt("grace_hours"))),
                Instant.parse(after.getString("versions[-2].grace_until")));
        assertEquals("current", after.getString("versions[-1].status"));
        List<Map<String, Object>> sf = after.getList("snowflake_tokens");
        assertTrue(
                sf.stream().anyMatch(t -> "PATROL_ANALYST_CLI".equals(t.get("name")) && Boolean.TRUE.equals(t.get("current"))),
                sf.toString());
        assertTrue(sf.stream().anyMatch(t -> String.valueOf(t.get("name")).startsWith("PATROL_ANALYST_CLI_ROTATED")
                && Boolean.TRUE.equals(t.get("patrol")) && Boolean.FALSE.equals(t.get("current"))), sf.toString());
        assertTrue(sf.stream().anyMatch(t -> "HISTORY_HANDMADE".equals(t.get("name")) && Boolean.FALSE.equals(t.get("patrol"))),
                sf.toString());
        assertFalse(after.prettify().contains("\"token\""), "no secret field");

        Response revoked = given().header("Authorization", "Bearer " + tokens.oncall()).contentType("application/json")
                .body("{\"reason\":\"history test: laptop lost\"}").post("/api/v1/connections/analyst_cli/revoke");
        assertEquals(200, revoked.statusCode(), revoked.asString());
        JsonPath suspended = history(tokens.oncall()).jsonPath();
        assertEquals("suspended", suspended.getString("status"));
        assertEquals("history test: laptop lost", suspended.getString("suspended_reason"));
        assertNull(suspended.get("current"));
        // the revocation's fence is a version of its own (written without a secret so a late writer cannot store, then destroyed)
        assertEquals(versions + 2, suspended.getList("versions").size(), "metadata outlives the destroyed data");
        String revokedAt = suspended.getString("events.findAll { it.kind == 'revoked' }[-1].at");
        assertNotNull(revokedAt);
        assertEquals("history test: laptop lost", suspended.getString("events.findAll { it.kind == 'revoked' }[-1].reason"));
        assertEquals("destroyed", suspended.getString("versions[-1].status"));
        assertEquals(revokedAt, suspended.getString("versions[-1].removed_at"));
        assertTrue(suspended.getList("snowflake_tokens").isEmpty(), "revocation removed every token");

        Response resumed = given().header("Authorization", "Bearer " + tokens.oncall())
                .post("/api/v1/connections/analyst_cli/resume");
        assertEquals(200, resumed.statusCode(), resumed.asString());
        remember();
        JsonPath back = history(tokens.oncall()).jsonPath();
        assertEquals("ok", back.getString("status"));
        assertEquals(versions + 3, back.getList("versions").size());
        assertEquals("current", back.getString("versions[-1].status"));
        assertEquals("resumed", back.getString("events[-1].kind"));
        assertEquals("destroyed", back.getString("versions[-2].status"));
    }

    @Test
    void aGuardrailBlockShowsInTheHistoryAndTheGauge() {
        var snowflake = devServices.snowflake().orElseThrow();
        snowflake.runAs("ADMIN", "ACCOUNTADMIN", "GRANT ROLE SYSADMIN TO USER ANALYST_CLI");
        try {
            engine.sweep();
            JsonPath blocked = history(tokens.oncall()).jsonPath();
            assertEquals("blocked", blocked.getString("status"));
            assertTrue(blocked.getString("blocked_reason").contains("SYSADMIN"), blocked.prettify());
            assertEquals("blocked", blocked.getString("events[-1].kind"));
            assertTrue(blocked.getString("events[-1].reason").contains("SYSADMIN"));
            assertTrue(RestAssured.get("/q/metrics").asString()
                    .contains("patrol_connection_blocked{account=\"default\",connection=\"analyst_cli\"} 1.0"));
        } finally {
            snowflake.runAs("ADMIN", "ACCOUNTADMIN", "REVOKE ROLE SYSADMIN FROM USER ANALYST_CLI");
        }
        engine.sweep();
        JsonPath clear = history(tokens.oncall()).jsonPath();
        assertEquals("ok", clear.getString("status"));
        assertEquals("unblocked", clear.getString("events[-1].kind"));
        assertTrue(
                RestAssured.get("/q/metrics").asString()
                        .contains("patrol_connection_blocked{account=\"default\",connection=\"analyst_cli\"} 0.0"));
    }

    @Test
    void statusOrderSuspendedBlockedFailingExpiry() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals("suspended", HistoryResource.status(true, "x", 3, null, now));
        assertEquals("blocked", HistoryResource.status(false, "x", 3, now.plus(Duration.ofDays(20)), now));
        assertEquals("rotation-failing", HistoryResource.status(false, null, 1, now.plus(Duration.ofDays(20)), now));
        assertEquals("no-secret", HistoryResource.status(false, null, 0, null, now));
        assertEquals("expired", HistoryResource.status(false, null, 0, now, now));
        assertEquals("expiring-soon", HistoryResource.status(false, null, 0, now.plus(Duration.ofDays(6)), now));
        assertEquals("ok", HistoryResource.status(false, null, 0, now.plus(Duration.ofDays(8)), now));
    }

    static String read(String file) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void metricsTheAlertingRulesRead() {
        // the drift and posture beans register their gauges when first used
        given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/drift").then().statusCode(200);
        given().header("Authorization", "Bearer " + tokens.oncall()).get("/api/v1/posture").then().statusCode(200);
        String metrics = RestAssured.get("/q/metrics").asString();
        for (String series : List.of("patrol_secret_expires_in_seconds{account=\"default\",connection=\"analyst_cli\"",
                "patrol_rotation_consecutive_failures{account=\"default\",connection=\"analyst_cli\"",
                "patrol_connection_blocked{account=\"default\",connection=\"analyst_cli\"",
                "patrol_connection_suspended{account=\"default\",connection=\"analyst_cli\"",
                "patrol_last_successful_sweep_seconds{account=\"default\"} ",
                "patrol_rotations_total{account=\"default\",connection=\"analyst_cli\"",
                "patrol_drift_findings{account=\"default\",kind=\"foreign-token\"",
                "patrol_posture_failures{account=\"default\"} ", "patrol_sweep_duration_seconds_count")) {
            assertTrue(metrics.contains(series), series + " missing from /q/metrics");
        }
        // every patrol metric the alerting rules and the dashboard read is exported under that name
        for (String file : List.of("deploy/prometheus/patrol-rules.yaml", "deploy/grafana/patrol-dashboard.json")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("patrol_[a-z_]+").matcher(read(file));
            while (m.find()) {
                String name = m.group().replaceAll("_(bucket|count|sum|max)$", "");
                assertTrue(metrics.contains("\n" + name), name + " (used in " + file + ") is not exported at /q/metrics");
            }
        }
        double last = metrics.lines().filter(l -> l.startsWith("patrol_last_successful_sweep_seconds{account=\"default\"} "))
                .mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow();
        assertTrue(Math.abs(last - Instant.now().getEpochSecond()) < 300, "the sweep in setUp set it: " + last);
        for (String s : secrets)
            assertFalse(metrics.contains(s));
    }
}
