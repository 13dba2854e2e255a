package dev.patrol.devservices.snowflake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.patrol.devservices.EmulatorServer;

/**
 * An in-process Snowflake account that the unmodified Snowflake drivers log in to over plain http.
 * It speaks the wire protocol of {@code snowflake-jdbc-protocol.md} (login, query, renew, heartbeat,
 * close, telemetry) and keeps the account model of {@code snowflake-pat.md} in memory.
 *
 * <p>
 * Test and demo infrastructure: it binds to loopback, keeps no state on disk, and is started only
 * when dev services are enabled or by tests.
 */
public final class SnowflakeEmulator implements AutoCloseable {

    public static final String SERVER_VERSION = "9.99.0";
    private static final Duration SESSION_VALIDITY = Duration.ofHours(1);
    private static final Duration MASTER_VALIDITY = Duration.ofHours(4);
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int MAX_RECORDED = 10_000;

    /** One SQL statement as a client sent it, for tests that assert what patrol ran. */
    public record RecordedStatement(Instant at, String user, String role, String sql) {
    }

    /** One login attempt, without its credentials. */
    public record RecordedLogin(Instant at, String loginName, String authenticator, String clientAppId,
            Map<String, String> sessionParameters, String outcome) {
    }

    private final Account account;
    private final SqlInterpreter interpreter;
    private final LoginService logins;
    private final SnowflakeFaults faults = new SnowflakeFaults();
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessionsByToken = new ConcurrentHashMap<>();
    private final Map<String, Session> sessionsByMaster = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong(1000);
    private final AtomicLong statementCount = new AtomicLong();
    private final List<RecordedStatement> statements = Collections.synchronizedList(new ArrayList<>());
    private final List<RecordedLogin> loginLog = Collections.synchronizedList(new ArrayList<>());
    private final EmulatorServer server;

    private SnowflakeEmulator(String accountName, String host, int port, Clock clock) {
        this.account = new Account(accountName.toUpperCase(java.util.Locale.ROOT), clock);
        this.interpreter = new SqlInterpreter(account);
        this.logins = new LoginService(account);
        this.server = EmulatorServer.start("snowflake-emulator", host, port, this::handle);
    }

    /** Starts an emulated account on {@code host:port} (port 0 picks a free one). */
    public static SnowflakeEmulator start(String accountName, String host, int port, Clock clock) {
        return new SnowflakeEmulator(accountName, host, port, clock);
    }

    public String accountName() {
        return account.name;
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:43123}. */
    public String url() {
        return "http://" + host() + ":" + port();
    }

    /** A JDBC URL with the account and plain http in the URL itself (protocol spec §2, G5). */
    public String jdbcUrl() {
        return "jdbc:snowflake://" + host() + ":" + port() + "/?account=" + account.name + "&ssl=off";
    }

    public SnowflakeFaults faults() {
        return faults;
    }

    public Clock clock() {
        return account.clock;
    }

    /** Statements received over the wire, oldest first (the most recent {@value #MAX_RECORDED}). */
    public List<RecordedStatement> statements() {
        synchronized (statements) {
            return List.copyOf(statements);
        }
    }

    /** How many statements arrived over the wire since start (not capped like {@link #statements()}). */
    public long statementCount() {
        return statementCount.get();
    }

    public List<RecordedLogin> logins() {
        synchronized (loginLog) {
            return List.copyOf(loginLog);
        }
    }

    public int openSessions() {
        return sessionsByToken.size();
    }

    /**
     * Runs SQL as a user with a role, without a login: for seeding and for tests that arrange or
     * inspect state. Returns the rows, each a map from column name to cell text.
     */
    public List<Map<String, String>> runAs(String user, String role, String sql) {
        return runScriptAs(user, role, List.of(sql));
    }

    /** Runs statements in one session (so {@code USE ROLE} carries over); returns the last one's rows. */
    public List<Map<String, String>> runScriptAs(String user, String role, List<String> sqls) {
        Session s = new Session(0, user, null, false, "INTERNAL", null, null, null, null);
        s.role = role;
        s.secondaryRoles = List.of();
        Result r = null;
        for (String sql : sqls)
            r = interpreter.execute(s, sql);
        List<Map<String, String>> rows = new ArrayList<>();
        if (r == null)
            return rows;
        for (List<String> row : r.rows) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < r.columns.size(); i++)
                m.put(r.columns.get(i).name(), row.get(i));
            rows.add(m);
        }
        return rows;
    }

    /** Ends every session now, as if the account had restarted; clients must log in again. */
    public void dropAllSessions() {
        sessionsByToken.clear();
        sessionsByMaster.clear();
    }

    @Override
    public void close() {
        server.close();
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (faults.takeDrop())
                return; // closing without a response drops the connection
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, error("390400", null, "Method " + ex.getRequestMethod() + " is not allowed on " + path));
                return;
            }
            ObjectNode answer;
            try {
                answer = route(ex, path, query(ex.getRequestURI()));
            } catch (SnowflakeError e) {
                answer = error(e.code(), null, e.getMessage());
            } catch (RuntimeException e) {
                // Never a trace or a 5xx (the driver would retry a 5xx): Snowflake's internal-error envelope.
                answer = error("000603", "XX000", "SQL execution internal error: " + e.getClass().getSimpleName());
            }
            if (answer == null)
                send(ex, 404, error("390404", null, "No such endpoint: " + path));
            else
                send(ex, 200, answer);
        }
    }

    /** The answer for a known endpoint, or null for an unknown path. */
    private ObjectNode route(HttpExchange ex, String path, Map<String, String> query) throws IOException {
        return switch (path) {
            case "/session/v1/login-request" -> login(ex, query);
            case "/queries/v1/query-request" -> query(ex);
            case "/session" -> "true".equals(query.get("delete")) ? closeSession(ex) : null;
            case "/session/heartbeat" -> heartbeat(ex);
            case "/session/token-request" -> renew(ex);
            case "/telemetry/send", "/queries/v1/abort-request" -> {
                readBody(ex);
                yield success(json.createObjectNode());
            }
            default -> null;
        };
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null)
            return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private JsonNode readBody(HttpExchange ex) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding")))
                in = new GZIPInputStream(in);
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                buf.write(chunk, 0, n);
                if (buf.size() > MAX_BODY_BYTES)
                    throw SnowflakeError.badRequest("request body larger than " + MAX_BODY_BYTES + " bytes");
            }
        } catch (IOException e) {
            throw SnowflakeError.badRequest("request body could not be read or decompressed");
        }
        if (buf.size() == 0)
            return json.createObjectNode();
        try {
            return json.readTree(buf.toByteArray());
        } catch (IOException e) {
            throw SnowflakeError.badRequest("request body is not JSON");
        }
    }

    private void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private ObjectNode success(JsonNode data) {
        ObjectNode root = json.createObjectNode();
        root.set("data", data);
        root.putNull("code");
        root.putNull("message");
        root.put("success", true);
        return root;
    }

    /** The failure envelope (protocol spec §4.2): code always set, so the driver never writes output.json (G3). */
    private ObjectNode error(String code, String sqlState, String message) {
        ObjectNode root = json.createObjectNode();
        if (sqlState != null) {
            ObjectNode data = root.putObject("data");
            data.put("errorCode", code);
            data.put("sqlState", sqlState);
            data.put("queryId", UUID.randomUUID().toString());
            data.put("internalError", false);
            data.put("age", 0);
            data.putNull("line");
            data.putNull("pos");
            data.put("type", "COMPILATION");
        } else {
            root.putNull("data");
        }
        root.put("code", code);
        root.put("message", message);
        root.put("success", false);
        return root;
    }

    private String newToken(String prefix) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---------------------------------------------------------------- endpoints

    private ObjectNode login(HttpExchange ex, Map<String, String> query) throws IOException {
        JsonNode data = readBody(ex).path("data");
        String authenticator = text(data, "AUTHENTICATOR");
        String loginName = text(data, "LOGIN_NAME");
        Map<String, String> params = new LinkedHashMap<>();
        data.path("SESSION_PARAMETERS").properties().forEach(e -> {
            if (e.getValue().isValueNode())
                params.put(e.getKey(), e.getValue().asText());
        });
        LoginService.Attempt attempt = new LoginService.Attempt(text(data, "ACCOUNT_NAME"), loginName, text(data, "PASSWORD"),
                authenticator, text(data, "TOKEN"), query.get("roleName"), ex.getRemoteAddress().getAddress().getHostAddress());
        LoginService.Outcome outcome;
        try {
            if (faults.loginsRefused())
                throw SnowflakeError.loginsRefused();
            outcome = logins.login(attempt);
        } catch (SnowflakeError e) {
            record(new RecordedLogin(account.now(), loginName, authenticator, text(data, "CLIENT_APP_ID"), params, e.code()));
            ObjectNode failure = error(e.code(), null, e.getMessage());
            if ("PROGRAMMATIC_ACCESS_TOKEN".equalsIgnoreCase(authenticator)) {
                ObjectNode d = failure.putObject("data");
                d.put("nextAction", "RETRY_LOGIN");
                d.put("authnMethod", "PAT");
            }
            return failure;
        }
        record(new RecordedLogin(account.now(), loginName, authenticator, text(data, "CLIENT_APP_ID"), params, "OK"));

        Instant now = account.now();
        Session s = new Session(sessionIds.incrementAndGet(), outcome.user().name,
                outcome.pat() == null ? null : outcome.pat().name,
                outcome.pat() != null && outcome.pat().roleRestriction != null, outcome.method(), newToken("ver:1-session-"),
                now.plus(SESSION_VALIDITY), newToken("ver:1-master-"),
                now.plus(MASTER_VALIDITY));
        s.role = outcome.role();
        s.secondaryRoles = s.pinned() ? List.of() : outcome.user().defaultSecondaryRoles;
        synchronized (account) {
            outcome.user().lastSuccessLogin = now;
            s.database = existingDatabase(query.get("databaseName"));
            s.schema = s.database == null ? null : existingSchema(s.database, query.get("schemaName"));
            String wh = query.get("warehouse");
            s.warehouse = wh != null && account.warehouses.containsKey(LoginService.normalizeRole(wh))
                    ? LoginService.normalizeRole(wh)
                    : null;
        }
        sessionsByToken.put(s.token, s);
        sessionsByMaster.put(s.masterToken, s);

        ObjectNode d = json.createObjectNode();
        d.put("token", s.token);
        d.put("validityInSeconds", SESSION_VALIDITY.toSeconds());
        d.put("masterToken", s.masterToken);
        d.put("masterValidityInSeconds", MASTER_VALIDITY.toSeconds());
        d.put("sessionId", s.id);
        d.put("serverVersion", SERVER_VERSION);
        d.put("healthCheckInterval", 45);
        d.set("sessionInfo", sessionInfo(s));
        ArrayNode parameters = d.putArray("parameters");
        // AUTOCOMMIT must be a JSON boolean, or the driver fails with a NullPointerException (G1).
        parameters.addObject().put("name", "AUTOCOMMIT").put("value", true);
        parameters.addObject().put("name", "TIMEZONE").put("value", "UTC");
        parameters.addObject().put("name", "CLIENT_SESSION_KEEP_ALIVE").put("value", false);
        parameters.addObject().put("name", "CLIENT_TELEMETRY_ENABLED").put("value", false);
        d.putNull("idToken");
        d.putNull("mfaToken");
        d.putNull("newClientForUpgrade");
        return success(d);
    }

    private String existingDatabase(String name) {
        String n = LoginService.normalizeRole(name);
        return n != null && account.databases.containsKey(n) ? n : null;
    }

    private String existingSchema(String database, String name) {
        String n = LoginService.normalizeRole(name);
        if (n == null)
            return account.databases.get(database).schemas.containsKey("PUBLIC") ? "PUBLIC" : null;
        return account.databases.get(database).schemas.containsKey(n) ? n : null;
    }

    private ObjectNode sessionInfo(Session s) {
        ObjectNode info = json.createObjectNode();
        info.put("databaseName", s.database);
        info.put("schemaName", s.schema);
        info.put("warehouseName", s.warehouse);
        info.put("roleName", s.role);
        return info;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void record(RecordedLogin login) {
        synchronized (loginLog) {
            if (loginLog.size() >= MAX_RECORDED)
                loginLog.remove(0);
            loginLog.add(login);
        }
    }

    /** The session a request's {@code Authorization: Snowflake Token="..."} names, or a session error. */
    private Session session(HttpExchange ex, boolean master) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String token = null;
        if (header != null) {
            int start = header.indexOf("Token=\"");
            int end = start < 0 ? -1 : header.indexOf('"', start + 7);
            if (end > start)
                token = header.substring(start + 7, end);
        }
        Session s = token == null ? null : (master ? sessionsByMaster : sessionsByToken).get(token);
        if (s == null)
            throw SnowflakeError.sessionGone();
        Instant now = account.now();
        if (master ? !now.isBefore(s.masterExpiresAt) : !now.isBefore(s.tokenExpiresAt)) {
            if (master)
                throw SnowflakeError.masterTokenExpired();
            throw SnowflakeError.sessionExpired();
        }
        return s;
    }

    private ObjectNode query(HttpExchange ex) throws IOException {
        Session s = session(ex, false);
        JsonNode body = readBody(ex);
        String sql = body.path("sqlText").asText(null);
        if (sql == null)
            throw SnowflakeError.badRequest("sqlText is missing");
        JsonNode bindings = body.get("bindings");
        if (bindings != null && !bindings.isNull() && bindings.size() > 0) {
            SnowflakeError e = SnowflakeError.unsupported("bind variables in the Snowflake emulator");
            return error(e.code(), e.sqlState(), e.getMessage());
        }
        if (body.path("describeOnly").asBoolean(false))
            return describeOnly(s, sql);
        statementCount.incrementAndGet();
        synchronized (statements) {
            if (statements.size() >= MAX_RECORDED)
                statements.remove(0);
            statements.add(new RecordedStatement(account.now(), s.user, s.role, sql));
        }
        Duration latency = faults.statementLatency();
        if (!latency.isZero())
            sleep(latency);
        SnowflakeError injected = faults.takeFailure(sql);
        if (injected != null)
            return error(injected.code(), injected.sqlState(), injected.getMessage());
        try {
            Result r = interpreter.execute(s, sql);
            return success(resultData(s, r));
        } catch (SnowflakeError e) {
            return error(e.code(), e.sqlState() == null ? "XX000" : e.sqlState(), e.getMessage());
        }
    }

    /**
     * {@code PreparedStatement} sends a describe-only request first; it must not run the statement,
     * so it answers the statement type with no columns.
     */
    private ObjectNode describeOnly(Session s, String sql) {
        String first = new SqlCursor(sql).peek().text().toUpperCase(java.util.Locale.ROOT);
        long type = switch (first) {
            case "SELECT" -> Result.SELECT;
            case "SHOW" -> Result.SHOW;
            case "DESC", "DESCRIBE" -> Result.DESCRIBE;
            default -> Result.DDL;
        };
        return success(resultData(s, new Result(type)));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ObjectNode resultData(Session s, Result r) {
        ObjectNode d = json.createObjectNode();
        d.putArray("parameters").addObject().put("name", "TIMEZONE").put("value", "UTC");
        ArrayNode rowtype = d.putArray("rowtype");
        for (Result.Column c : r.columns) {
            ObjectNode col = rowtype.addObject();
            col.put("name", c.name());
            col.put("database", "");
            col.put("schema", "");
            col.put("table", "");
            col.put("nullable", true);
            switch (c.type()) {
                case TEXT -> col.put("type", "text").put("length", 16777216).put("byteLength", 16777216)
                        .putNull("precision").putNull("scale");
                case FIXED -> col.put("type", "fixed").put("precision", 38).put("scale", 0)
                        .putNull("length").putNull("byteLength");
                case BOOLEAN -> col.put("type", "boolean").putNull("precision").putNull("scale")
                        .putNull("length").putNull("byteLength");
                case TIMESTAMP_LTZ -> col.put("type", "timestamp_ltz").put("precision", 0).put("scale", 9)
                        .putNull("length").putNull("byteLength");
            }
        }
        ArrayNode rowset = d.putArray("rowset");
        for (List<String> row : r.rows) {
            ArrayNode a = rowset.addArray();
            row.forEach(a::add);
        }
        d.put("total", r.rows.size());
        d.put("returned", r.rows.size());
        d.put("queryId", UUID.randomUUID().toString());
        d.put("statementTypeId", r.statementTypeId);
        d.put("version", 1);
        d.put("queryResultFormat", "json");
        d.putNull("databaseProvider");
        d.put("finalDatabaseName", s.database);
        d.put("finalSchemaName", s.schema);
        d.put("finalWarehouseName", s.warehouse);
        d.put("finalRoleName", s.role);
        d.put("numberOfBinds", 0);
        d.put("arrayBindSupported", false);
        return d;
    }

    private ObjectNode closeSession(HttpExchange ex) {
        try {
            Session s = session(ex, false);
            sessionsByToken.remove(s.token);
            sessionsByMaster.remove(s.masterToken);
        } catch (SnowflakeError e) {
            // an unknown or expired session is already closed as far as the client is concerned
        }
        return success(null);
    }

    private ObjectNode heartbeat(HttpExchange ex) {
        session(ex, false);
        return success(json.createObjectNode());
    }

    private ObjectNode renew(HttpExchange ex) throws IOException {
        Session s = session(ex, true);
        JsonNode body = readBody(ex);
        String old = body.path("oldSessionToken").asText("");
        if (!old.equals(s.token))
            throw SnowflakeError.sessionGone();
        sessionsByToken.remove(s.token);
        s.token = newToken("ver:1-session-");
        s.tokenExpiresAt = account.now().plus(SESSION_VALIDITY);
        sessionsByToken.put(s.token, s);
        ObjectNode d = json.createObjectNode();
        d.put("sessionToken", s.token);
        d.put("validityInSecondsST", SESSION_VALIDITY.toSeconds());
        d.put("masterToken", s.masterToken);
        d.put("validityInSecondsMT", Duration.between(account.now(), s.masterExpiresAt).toSeconds());
        return success(d);
    }
}
