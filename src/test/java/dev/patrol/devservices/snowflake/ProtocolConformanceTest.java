package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The wire protocol itself (snowflake-jdbc-protocol.md §3-§4): session lifecycle through the driver,
 * malformed requests over raw HTTP, and the fault injection later tests rely on.
 */
class ProtocolConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ObjectMapper json = new ObjectMapper();

    HttpResponse<String> post(String path, String authorization, byte[] body, boolean gzip) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.emulator.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null)
            b.header("Authorization", authorization);
        if (gzip)
            b.header("Content-Encoding", "gzip");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode envelope(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return json.readTree(r.body());
    }

    String loginToken() throws Exception {
        String body = "{\"data\":{\"ACCOUNT_NAME\":\"patroldev\",\"LOGIN_NAME\":\"admin\",\"PASSWORD\":\"patrol-dev\"}}";
        JsonNode r = envelope(
                post("/session/v1/login-request?requestId=1", null, body.getBytes(StandardCharsets.UTF_8), false));
        assertTrue(r.path("success").asBoolean(), r.toString());
        assertTrue(r.path("data").path("parameters").get(0).path("value").isBoolean(), "AUTOCOMMIT is a JSON boolean (G1)");
        return r.path("data").path("token").asText();
    }

    static byte[] gzip(String s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void gzipQueryWithRowtypeAndStatementType_protocol_4_2() throws Exception {
        String token = loginToken();
        JsonNode r = envelope(post("/queries/v1/query-request?requestId=2", "Snowflake Token=\"" + token + "\"",
                gzip("{\"sqlText\":\"SELECT CURRENT_ROLE()\",\"sequenceId\":0}"), true));
        assertTrue(r.path("success").asBoolean());
        assertEquals("text", r.path("data").path("rowtype").get(0).path("type").asText());
        assertEquals("ACCOUNTADMIN", r.path("data").path("rowset").get(0).get(0).asText());
        assertEquals(0x1000, r.path("data").path("statementTypeId").asInt());
        assertEquals("json", r.path("data").path("queryResultFormat").asText());
    }

    @Test
    void sqlErrorEnvelopeCarriesCodeAndSqlState_protocol_4_2() throws Exception {
        String token = loginToken();
        JsonNode r = envelope(post("/queries/v1/query-request", "Snowflake Token=\"" + token + "\"",
                "{\"sqlText\":\"DROP USER NOBODY\"}".getBytes(StandardCharsets.UTF_8), false));
        assertFalse(r.path("success").asBoolean());
        assertEquals("002003", r.path("code").asText());
        assertEquals("002003", r.path("data").path("errorCode").asText());
        assertEquals("02000", r.path("data").path("sqlState").asText());
    }

    @Test
    void malformedRequestsGetAnErrorEnvelopeNeverATraceOrA5xx() throws Exception {
        String token = loginToken();
        String auth = "Snowflake Token=\"" + token + "\"";
        JsonNode noSession = envelope(post("/queries/v1/query-request", null, "{\"sqlText\":\"SELECT 1\"}".getBytes(), false));
        assertEquals("390111", noSession.path("code").asText());
        JsonNode badSession = envelope(post("/queries/v1/query-request", "Snowflake Token=\"forged\"",
                "{\"sqlText\":\"SELECT 1\"}".getBytes(), false));
        assertEquals("390111", badSession.path("code").asText());
        JsonNode notJson = envelope(post("/queries/v1/query-request", auth, "not json".getBytes(), false));
        assertFalse(notJson.path("success").asBoolean());
        assertFalse(notJson.path("code").isNull());
        JsonNode badGzip = envelope(post("/queries/v1/query-request", auth, "plain".getBytes(), true));
        assertFalse(badGzip.path("success").asBoolean());
        JsonNode noSql = envelope(post("/queries/v1/query-request", auth, "{}".getBytes(), false));
        assertFalse(noSql.path("success").asBoolean());
        JsonNode badLogin = envelope(post("/session/v1/login-request", null, "[1,2".getBytes(), false));
        assertFalse(badLogin.path("success").asBoolean());
        JsonNode unknownAuthenticator = envelope(post("/session/v1/login-request", null,
                "{\"data\":{\"LOGIN_NAME\":\"ADMIN\",\"AUTHENTICATOR\":\"OKTA\"}}".getBytes(), false));
        assertFalse(unknownAuthenticator.path("success").asBoolean());
        HttpResponse<String> get = http.send(
                HttpRequest.newBuilder(URI.create(f.emulator.url() + "/queries/v1/query-request")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals(404, post("/no/such/path", null, "{}".getBytes(), false).statusCode());
        for (JsonNode n : new JsonNode[] { notJson, badGzip, noSql, badLogin }) {
            assertFalse(n.toString().contains("Exception"), n.toString());
            assertFalse(n.toString().contains("at dev.patrol"), n.toString());
        }
    }

    @Test
    void closeHeartbeatAndRenewal_protocol_4_3_to_4_5() throws Exception {
        Connection c = f.admin();
        assertEquals(2, f.emulator.openSessions() + 1, "one session: the test's own");
        assertTrue(c.isValid(5), "isValid() is a heartbeat (G8)");
        // after an hour the session token expires (390112); the driver renews with the master token
        f.clock.advance(Duration.ofMinutes(61));
        assertEquals("ACCOUNTADMIN", scalar(c, "SELECT CURRENT_ROLE()"));
        c.close();
        assertEquals(0, f.emulator.openSessions());
        // a session whose master token expired (4 h) is gone for good
        Connection d = f.admin();
        f.clock.advance(Duration.ofHours(5));
        // session errors on a query surface with SQLSTATE XX000 (protocol spec §4.5)
        assertSnowflakeError(390114, "XX000", () -> scalar(d, "SELECT 1"));
        d.close();
    }

    @Test
    void droppedSessionsNeedANewLogin() throws Exception {
        Connection c = f.admin();
        f.emulator.dropAllSessions();
        assertFalse(c.isValid(5));
        assertSnowflakeError(390111, "XX000", () -> scalar(c, "SELECT 1"));
        c.close();
    }

    @Test
    void faultInjection() throws Exception {
        try (Connection c = f.admin()) {
            f.emulator.faults().failNextStatementsMatching(2, "ROTATE", "000625", "57014",
                    "Statement reached its statement or warehouse timeout");
            assertEquals("1", scalar(c, "SELECT 1"), "non-matching statements run");
            assertSnowflakeError(625, "57014", () -> scalar(c, "ALTER USER ANALYST_CLI ROTATE PAT X"));
            assertSnowflakeError(625, "57014", () -> scalar(c, "ALTER USER ANALYST_CLI ROTATE PAT X"));
            assertSnowflakeError(2003, "02000", () -> scalar(c, "ALTER USER ANALYST_CLI ROTATE PAT X"));

            f.emulator.faults().statementLatency(Duration.ofMillis(150));
            long start = System.nanoTime();
            scalar(c, "SELECT 1");
            assertTrue(System.nanoTime() - start >= 150_000_000L, "latency is added per statement");
            f.emulator.faults().statementLatency(Duration.ZERO);

            f.emulator.faults().dropNextRequests(1);
            assertEquals("1", scalar(c, "SELECT 1"), "the driver retries a dropped connection");
        }
        f.emulator.faults().refuseLogins(true);
        assertSnowflakeError(390144, "08001", () -> f.admin().close());
        f.emulator.faults().reset();
        f.admin().close();
    }

    @Test
    void statementsAreRecordedForTests() throws Exception {
        try (Connection c = f.admin()) {
            scalar(c, "SELECT CURRENT_USER()");
        }
        SnowflakeEmulator.RecordedStatement last = f.emulator.statements().get(f.emulator.statements().size() - 1);
        assertEquals("SELECT CURRENT_USER()", last.sql());
        assertEquals("ADMIN", last.user());
    }
}
