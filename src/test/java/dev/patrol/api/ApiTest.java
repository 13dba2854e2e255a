package dev.patrol.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/** Every endpoint of design §4 through HTTP, with tokens that have and lack each capability. */
@QuarkusTest
class ApiTest {

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    VaultSeed.Tokens tokens;
    String nobody;

    @BeforeEach
    void setUp() {
        tokens = devServices.vaultTokens().orElseThrow();
        nobody = devServices.vault().orElseThrow().createToken(List.of(), Duration.ofHours(1), "nobody");
        engine.sweep();
    }

    static io.restassured.specification.RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    static void problem(Response r, int status) {
        assertEquals(status, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertEquals(status, r.jsonPath().getInt("status"));
        assertTrue(r.jsonPath().getString("title").length() > 0);
        assertTrue(r.jsonPath().getString("request_id").length() > 0);
    }

    @Test
    void developerFetchesTheSecretAsJsonAndToml() {
        String secret = store.current("analyst_cli").orElseThrow().value().token();
        Response json = as(tokens.developer()).get("/api/v1/connections/analyst_cli/token");
        assertEquals(200, json.statusCode());
        assertEquals("no-store", json.header("Cache-Control"));
        assertEquals(secret, json.jsonPath().getString("token"));
        assertEquals("ANALYST_CLI_ROLE", json.jsonPath().getString("role"));
        assertEquals("PATROL_ANALYST_CLI", json.jsonPath().getString("token_name"));
        assertEquals("ANALYST_WH", json.jsonPath().getString("warehouse"));
        assertEquals("http", json.jsonPath().getString("protocol"));
        Response toml = given().header("X-Vault-Token", tokens.developer()).accept("application/toml")
                .get("/api/v1/connections/analyst_cli/token");
        assertEquals(200, toml.statusCode());
        assertTrue(toml.contentType().startsWith("application/toml"));
        assertEquals("no-store", toml.header("Cache-Control"));
        String body = toml.asString();
        assertTrue(body.startsWith("[analyst_cli]\n# patrol: token PATROL_ANALYST_CLI"), body);
        assertTrue(body.contains("password = \"" + secret + "\"\n"));
        assertTrue(body.contains("port = \""), "the port is a TOML string");
        assertTrue(body.contains("account = \"PATROLDEV\"\n"));
    }

    @Test
    void capabilitiesDecide() {
        problem(as(nobody).get("/api/v1/connections/analyst_cli/token"), 403);
        problem(as(tokens.oncall()).get("/api/v1/connections/analyst_cli/token"), 403);
        problem(given().get("/api/v1/connections/analyst_cli/token"), 401);
        problem(as("hvs.not-a-real-token").get("/api/v1/connections/analyst_cli/token"), 401);
        problem(given().header("Authorization", "Basic YWxhZGRpbjpvcGVu").get("/api/v1/connections"), 401);
        as(tokens.developer()).get("/api/v1/connections").then().statusCode(200).body("name", hasItem("analyst_cli"))
                .body(not(containsString(store.current("analyst_cli").orElseThrow().value().token())));
        as(tokens.oncall()).get("/api/v1/connections").then().statusCode(200);
        problem(as(nobody).get("/api/v1/connections"), 403);
        as(tokens.developer()).get("/api/v1/connections/analyst_cli").then().statusCode(200)
                .body("token_name", equalTo("PATROL_ANALYST_CLI")).body("suspended", equalTo(false))
                .body("token", equalTo(null));
        problem(as(tokens.oncall()).get("/api/v1/connections/analyst_cli"), 403);
    }

    @Test
    void unknownAndInvalidConnections() {
        problem(as(tokens.developer()).get("/api/v1/connections/NOT_VALID/token"), 404);
        problem(as(tokens.developer()).get("/api/v1/connections/..%2F..%2Fsys/token"), 404);
        problem(as(tokens.oncall()).post("/api/v1/connections/unknown_cli/rotate"), 404);
        problem(as(tokens.developer()).get("/api/v1/no-such-endpoint"), 404);
    }

    @Test
    void onCallRotatesNowAndCanExpireThePreviousSecretAtOnce() {
        String before = store.current("analyst_cli").orElseThrow().value().token();
        problem(as(tokens.developer()).post("/api/v1/connections/analyst_cli/rotate"), 403);
        Response r = as(tokens.oncall()).post("/api/v1/connections/analyst_cli/rotate?expire-previous-after=0h");
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals("rotated", r.jsonPath().getString("result"));
        assertEquals("PATROL_ANALYST_CLI", r.jsonPath().getString("token_name"));
        String after = store.current("analyst_cli").orElseThrow().value().token();
        assertNotEquals(before, after);
        assertTrue(!r.asString().contains(after), "rotate answers never carry the secret");
        assertEquals(after, as(tokens.developer()).get("/api/v1/connections/analyst_cli/token").jsonPath().getString("token"),
                "this replica's own rotation is served at once");
        problem(as(tokens.oncall()).post("/api/v1/connections/analyst_cli/rotate?expire-previous-after=soon"), 400);
        problem(as(tokens.oncall()).post("/api/v1/connections/analyst_cli/rotate?expire-previous-after=999h"), 400);
        as(tokens.oncall()).post("/api/v1/connections/analyst_cli/rotate").then().statusCode(200).body("result",
                equalTo("rotated"));
    }

    @Test
    void incidentEndpointsCheckAccessAndInputFirst() {
        problem(as(tokens.developer()).contentType("application/json").body("{\"reason\":\"x\"}")
                .post("/api/v1/connections/analyst_cli/revoke"), 403);
        problem(as(tokens.oncall()).contentType("application/json").body("{}").post("/api/v1/connections/analyst_cli/revoke"),
                400);
        problem(as(tokens.oncall()).contentType("text/plain").body("reason").post("/api/v1/connections/analyst_cli/revoke"),
                415);
        problem(as(tokens.developer()).post("/api/v1/connections/analyst_cli/resume"), 403);
        problem(as(tokens.oncall()).contentType("application/json").body("{\"reason\":\"x\",\"confirm\":\"REVOKE ALL\"}")
                .post("/api/v1/revoke-all"), 403);
        problem(as(tokens.breakglass()).contentType("application/json").body("{\"reason\":\"x\",\"confirm\":\"revoke all\"}")
                .post("/api/v1/revoke-all"), 400);
        problem(as(tokens.breakglass()).contentType("application/json").body("{\"reason\":\"x\"}").post("/api/v1/revoke-all"),
                400);
        as(tokens.oncall()).get("/api/v1/drift").then().statusCode(200).body("scanned_at", notNullValue());
        problem(as(tokens.developer()).get("/api/v1/posture"), 403);
        as(tokens.oncall()).get("/api/v1/posture").then().statusCode(200).body("checks.check",
                hasItem("cli-user-has-network-policy"));
    }

    @Test
    void wrongMethodsAndMediaTypes() {
        problem(as(tokens.developer()).delete("/api/v1/connections/analyst_cli/token"), 405);
        problem(as(tokens.oncall()).get("/api/v1/connections/analyst_cli/rotate"), 405);
        problem(as(tokens.developer()).accept("text/csv").get("/api/v1/connections/analyst_cli/token"), 406);
        byte[] big = new byte[20_000];
        java.util.Arrays.fill(big, (byte) 'a');
        problem(as(tokens.oncall()).contentType("application/json").body(big).post("/api/v1/connections/analyst_cli/revoke"),
                413);
    }

    @Test
    void openApiDescribesEveryOperationAndHealthIsReady() {
        String doc = RestAssured.get("/q/openapi?format=json").asString();
        for (String path : List.of("/api/v1/connections/{name}/token", "/api/v1/connections/{name}/rotate",
                "/api/v1/revoke-all",
                "/api/v1/connections/{name}/revoke", "/api/v1/connections/{name}/resume", "/api/v1/drift", "/api/v1/posture")) {
            assertTrue(doc.contains(path), path);
        }
        assertTrue(doc.contains("\"423\""));
        RestAssured.get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("snowflake")).body("checks.name",
                hasItem("vault"));
        assertTrue(RestAssured.get("/q/health/ready").asString().contains("PATROL_ROTATOR_ROLE"));
        RestAssured.get("/api/v1/connections").then().header("X-Request-Id", notNullValue());
    }
}
