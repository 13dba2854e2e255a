package dev.patrol.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.drift.Drift;
import dev.patrol.drift.DriftDetector;
import dev.patrol.drift.Posture;
import dev.patrol.drift.PostureChecker;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.incident.Incidents;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.Intent;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.rotation.RotationJob;
import dev.patrol.rotation.State;
import dev.patrol.rotation.Workers;
import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;
import dev.patrol.vault.VaultPaths;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

/**
 * patrol's REST API (design §4): connection state, the current secret, rotate-now, and the incident
 * operations. Callers authenticate with their own Vault token; every operation names the Vault path
 * and capability it needs. Responses that carry a secret are {@code Cache-Control: no-store}.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "connections", description = "Registered CLI connections and their secrets")
public class ConnectionsResource {

    static final String TOML = "application/toml";
    static final int MAX_BODY = 16 * 1024;
    static final String REVOKE_ALL_PHRASE = "REVOKE ALL";

    @Inject
    Callers callers;
    @Inject
    ConnectionRegistry registry;
    @Inject
    SecretStore store;
    @Inject
    RotationJob rotation;
    @Inject
    PatrolConfig config;
    @Inject
    AuditLog audit;
    @Inject
    RequestIds requestIds;
    @Inject
    ObjectMapper json;
    @Inject
    FetchCache fetchCache;
    @Inject
    Incidents incidents;
    @Inject
    Drift drift;
    @Inject
    Posture posture;
    @Inject
    VaultPaths paths;

    /** Reads the record and the state at once, so a secret costs one Vault round trip of latency. */
    private static final ExecutorService READS = Workers.pool("patrol-api-read", 16);

    // ---------------------------------------------------------------- paths and checks

    String recordPath(String name) {
        return paths.record(name);
    }

    String listPath() {
        return paths.records();
    }

    /** A name that cannot be a connection is not looked up anywhere (it would otherwise reach a Vault path). */
    static String checkName(String name) {
        if (name == null || !Connection.NAME.matcher(name).matches()) {
            throw ApiException.notFound("No connection by that name: names match " + Connection.NAME.pattern() + ".");
        }
        return name;
    }

    Connection connection(String name) {
        return registry.find(name).orElseThrow(() -> ApiException.notFound("No connection named " + name + " is registered."));
    }

    void audit(Callers.Caller caller, String action, String connection, String outcome, String detail) {
        audit.record(new AuditLog.Event("api." + action, callers.displayName(caller), connection, null, null, outcome,
                (detail == null ? "" : detail + "; ") + "request " + requestIds.current()));
    }

    // ---------------------------------------------------------------- state

    @GET
    @Path("/connections")
    @Operation(summary = "List connections", description = "Registered connections and their token state, without secrets. "
            + "Needs 'list' on <kv-mount>/metadata/<path-prefix>.")
    @APIResponse(responseCode = "200", description = "The connections")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Vault unavailable")
    public List<Map<String, Object>> list(@Context HttpHeaders headers) {
        Callers.Caller caller = callers.require(headers, listPath(), "list");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Connection c : registry.all()) out.add(describe(c));
        audit(caller, "list", "*", "success", null);
        return out;
    }

    @GET
    @Path("/connections/{name}")
    @Operation(summary = "One connection's state", description = "Token name, role, creation and expiry, suspension and "
            + "guardrail state; never the secret. Needs 'read' on <kv-mount>/data/<path-prefix>/{name}.")
    @APIResponse(responseCode = "200", description = "The connection's state")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "503", description = "Vault unavailable")
    public Map<String, Object> get(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        Callers.Caller caller = callers.require(headers, recordPath(name), "read");
        Connection c = connection(name);
        Map<String, Object> d = describe(c);
        audit(caller, "get", name, "success", null);
        return d;
    }

    private Map<String, Object> describe(Connection c) {
        Optional<Versioned<TokenRecord>> record = store.current(c.name());
        Map<String, String> state = store.state(c.name()).map(Versioned::value).orElse(Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("user", c.user());
        m.put("role", c.role());
        c.warehouse().ifPresent(w -> m.put("warehouse", w));
        m.put("has_secret", record.isPresent());
        record.ifPresent(r -> {
            m.put("token_name", r.value().tokenName());
            m.put("version", r.version());
            m.put("created_at", r.value().createdAt().toString());
            m.put("expires_at", r.value().expiresAt().toString());
        });
        m.put("suspended", "true".equals(state.get(State.SUSPENDED)));
        if (state.get(State.SUSPENDED_REASON) != null) m.put("suspended_reason", state.get(State.SUSPENDED_REASON));
        if (state.get(State.BLOCKED_REASON) != null) m.put("blocked_reason", state.get(State.BLOCKED_REASON));
        m.put("change_pending", Intent.from(state).isPresent());
        return m;
    }

    // ---------------------------------------------------------------- the secret

    @GET
    @Path("/connections/{name}/token")
    @Produces({MediaType.APPLICATION_JSON, TOML})
    @Operation(summary = "The current secret", description = "The current PAT with the connection parameters a client needs. "
            + "With 'Accept: application/toml' the ready [name] section of connections.toml. Needs 'read' on "
            + "<kv-mount>/data/<path-prefix>/{name}. Never cached (Cache-Control: no-store); the ETag names the record version and "
            + "token, and If-None-Match with it answers 304 without a body.")
    @APIResponse(responseCode = "200", description = "The secret and connection parameters, with an ETag")
    @APIResponse(responseCode = "304", description = "If-None-Match names the current ETag: the secret has not changed")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection, or no secret yet")
    @APIResponse(responseCode = "406", description = "Neither JSON nor TOML is acceptable")
    @APIResponse(responseCode = "423", description = "The connection is suspended (incident response)")
    @APIResponse(responseCode = "503", description = "Vault unavailable")
    public Response token(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        Callers.Caller caller = callers.require(headers, recordPath(name), "read");
        Connection c = connection(name);
        Map<String, String> cachedState = fetchCache.fresh(name);
        CompletableFuture<Map<String, String>> stateRead = cachedState != null ? CompletableFuture.completedFuture(cachedState)
                : CompletableFuture.supplyAsync(() -> fetchCache.load(name), READS);
        Optional<Versioned<TokenRecord>> record = fetchCache.record(name);
        Map<String, String> state = join(stateRead);
        if ("true".equals(state.get(State.SUSPENDED))) {
            audit(caller, "token", name, "refused", "suspended");
            throw ApiException.locked("Connection " + name + " is suspended: " + state.getOrDefault(State.SUSPENDED_REASON, "incident response") + ".");
        }
        if (record.isEmpty()) {
            audit(caller, "token", name, "refused", "no secret yet");
            throw ApiException.notFound("Connection " + name + " has no secret yet; patrol mints one on its next sweep.");
        }
        TokenRecord r = record.get().value();
        boolean toml = headers.getAcceptableMediaTypes().stream().anyMatch(t -> t.isCompatible(MediaType.valueOf(TOML)) && !t.isWildcardType());
        // The validator names the record version and token (never the secret), so an unchanged secret costs no body.
        String etag = TomlSection.etag(record.get().version(), r.tokenName(), toml);
        if (TomlSection.matches(headers.getHeaderString(HttpHeaders.IF_NONE_MATCH), etag)) {
            audit(caller, "token", name, "success", "not modified, token " + r.tokenName());
            return Response.notModified().header("ETag", etag).header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
        }
        audit(caller, "token", name, "success", "token " + r.tokenName());
        Object entity;
        String type;
        if (toml) {
            Map<String, String> values = new LinkedHashMap<>();
            if (r.account() != null) values.put("account", r.account());
            values.put("user", r.user());
            values.put("password", r.token());
            values.put("role", r.role());
            for (String k : List.of("warehouse", "database", "schema", "host", "port", "protocol")) {
                if (r.parameters().get(k) != null) values.put(k, r.parameters().get(k));
            }
            entity = TomlSection.render(name, "patrol: token " + r.tokenName() + ", expires " + r.expiresAt(), values);
            type = TOML + "; charset=utf-8";
        } else {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("connection", name);
            m.put("account", r.account());
            m.put("user", r.user());
            m.put("role", r.role());
            m.put("token", r.token());
            m.put("token_name", r.tokenName());
            m.put("created_at", r.createdAt().toString());
            m.put("expires_at", r.expiresAt().toString());
            m.putAll(r.parameters());
            entity = m;
            type = MediaType.APPLICATION_JSON;
        }
        return Response.ok(entity, type).header("ETag", etag).header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }

    // ---------------------------------------------------------------- rotate now

    @POST
    @Path("/connections/{name}/rotate")
    @Operation(summary = "Rotate now", description = "Rotates the connection's secret now, whether or not it is due. "
            + "'expire-previous-after=0h' expires the previous secret at once (a suspected leak); the default keeps "
            + "it for the grace window. Needs 'update' on patrol/connections/{name}/rotate.")
    @APIResponse(responseCode = "200", description = "Rotated (or minted, or repaired); the new token's name and expiry")
    @APIResponse(responseCode = "400", description = "Bad expire-previous-after")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "409", description = "A guardrail refuses, or another change is in progress")
    @APIResponse(responseCode = "423", description = "The connection is suspended")
    @APIResponse(responseCode = "502", description = "Snowflake refused the rotation")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public Map<String, Object> rotate(@PathParam("name") String name,
            @Parameter(description = "Hours the previous secret stays valid, e.g. 0h") @QueryParam("expire-previous-after") String expireAfter,
            @Context HttpHeaders headers) {
        checkName(name);
        Callers.Caller caller = callers.require(headers, VaultPaths.rotate(name), "update");
        Connection c = connection(name);
        OptionalInt hours = hours(expireAfter, c);
        RotationEngine.Outcome o;
        try {
            o = rotation.engine().process(c, hours.isPresent() ? hours : OptionalInt.of(c.graceHours()));
        } catch (CasConflictException e) {
            audit(caller, "rotate", name, "refused", "change in progress");
            throw ApiException.conflict("Another change to " + name + " is in progress; try again in a moment.");
        }
        switch (o.result()) {
            case SUSPENDED -> {
                audit(caller, "rotate", name, "refused", "suspended");
                throw ApiException.locked("Connection " + name + " is suspended.");
            }
            case BLOCKED -> {
                audit(caller, "rotate", name, "refused", o.detail());
                throw ApiException.conflict("Not rotating " + name + ": " + o.detail() + ".");
            }
            default -> {
            }
        }
        fetchCache.refresh(name);
        audit(caller, "rotate", name, "success", o.result().name().toLowerCase() + (hours.isPresent() ? ", previous expires in " + hours.getAsInt() + "h" : ""));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection", name);
        m.put("result", o.result().name().toLowerCase());
        m.put("detail", o.detail());
        store.current(name).ifPresent(r -> {
            m.put("token_name", r.value().tokenName());
            m.put("expires_at", r.value().expiresAt().toString());
        });
        return m;
    }

    static OptionalInt hours(String text, Connection c) {
        if (text == null || text.isBlank()) return OptionalInt.empty();
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.matches("\\d{1,4}h?")) throw ApiException.badRequest("expire-previous-after must be whole hours, e.g. 0h or 24h.");
        int h = Integer.parseInt(t.replace("h", ""));
        if (h > c.graceHours()) {
            throw ApiException.badRequest("expire-previous-after may shorten the grace window (" + c.graceHours() + "h), not extend it.");
        }
        return OptionalInt.of(h);
    }

    // ---------------------------------------------------------------- incident response

    @POST
    @Path("/connections/{name}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Revoke (incident)", description = "Suspends the connection, removes every PAT of its user in "
            + "Snowflake (patrol's and any other), optionally disables the user (disable-user=true; needs OWNERSHIP of the "
            + "user), and destroys every version of the Vault record (metadata kept). Body {\"reason\": \"...\"}. "
            + "Needs 'update' on patrol/connections/{name}/revoke.")
    @APIResponse(responseCode = "200", description = "Revoked; what was removed")
    @APIResponse(responseCode = "400", description = "Malformed body or missing reason")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "413", description = "Body larger than 16 KiB")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(responseCode = "502", description = "Partly done: the problem lists what failed (and was retried)")
    public Response revoke(@PathParam("name") String name, @QueryParam("disable-user") boolean disableUser, byte[] body,
            @Context HttpHeaders headers) {
        checkName(name);
        Callers.Caller caller = callers.require(headers, VaultPaths.revoke(name), "update");
        Connection c = connection(name);
        String reason = reason(parse(body));
        IncidentResponse.Revocation r = incidents.response().revoke(c, reason, callers.displayName(caller), disableUser);
        fetchCache.refresh(name);
        audit(caller, "revoke", name, r.complete() ? "success" : "partial", reason);
        Map<String, Object> result = revocation(r);
        return r.complete() ? Response.ok(result).build()
                : partial("Revocation incomplete", "Some steps of revoking " + name + " failed; see failures.", List.of(result));
    }

    @POST
    @Path("/connections/{name}/resume")
    @Operation(summary = "Resume after an incident", description = "Lifts the suspension and mints a fresh secret at once. "
            + "A user disabled during the revocation must be enabled in Snowflake first. Needs 'update' on "
            + "patrol/connections/{name}/revoke.")
    @APIResponse(responseCode = "200", description = "Resumed; the new token's name and expiry")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "409", description = "A guardrail refuses to mint")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public Map<String, Object> resume(@PathParam("name") String name, @Context HttpHeaders headers) {
        checkName(name);
        Callers.Caller caller = callers.require(headers, VaultPaths.revoke(name), "update");
        Connection c = connection(name);
        RotationEngine.Outcome o = incidents.response().resume(c, callers.displayName(caller));
        fetchCache.refresh(name);
        if (o.result() == RotationEngine.Result.BLOCKED) {
            audit(caller, "resume", name, "refused", o.detail());
            throw ApiException.conflict("Resumed, but not minting for " + name + ": " + o.detail() + ".");
        }
        audit(caller, "resume", name, "success", o.result().name().toLowerCase());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection", name);
        m.put("result", o.result().name().toLowerCase());
        store.current(name).ifPresent(r -> {
            m.put("token_name", r.value().tokenName());
            m.put("expires_at", r.value().expiresAt().toString());
        });
        return m;
    }

    @POST
    @Path("/revoke-all")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Break glass: revoke every connection", description = "Revokes every registered connection in "
            + "parallel, one result each; idempotent. Body {\"reason\": \"...\", \"confirm\": \"REVOKE ALL\"}. "
            + "Needs 'sudo' on patrol/revoke-all.")
    @APIResponse(responseCode = "200", description = "Every connection revoked")
    @APIResponse(responseCode = "400", description = "Malformed body, missing reason or wrong confirm phrase")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "413", description = "Body larger than 16 KiB")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(responseCode = "502", description = "Partly done: the problem lists each connection's result")
    public Response revokeAll(@QueryParam("disable-user") boolean disableUsers, byte[] body, @Context HttpHeaders headers) {
        Callers.Caller caller = callers.require(headers, VaultPaths.REVOKE_ALL, "sudo");
        JsonNode b = parse(body);
        String reason = reason(b);
        if (!REVOKE_ALL_PHRASE.equals(b.path("confirm").asText(null))) {
            audit(caller, "revoke-all", "*", "refused", "confirm phrase missing or wrong");
            throw ApiException.badRequest("Confirm with \"confirm\": \"" + REVOKE_ALL_PHRASE + "\".");
        }
        List<IncidentResponse.Revocation> all = incidents.response().revokeAll(reason, callers.displayName(caller), disableUsers);
        all.forEach(r -> fetchCache.refresh(r.connection()));
        boolean complete = all.stream().allMatch(IncidentResponse.Revocation::complete);
        audit(caller, "revoke-all", "*", complete ? "success" : "partial", reason);
        List<Map<String, Object>> results = all.stream().map(ConnectionsResource::revocation).toList();
        if (!complete) {
            long failed = all.stream().filter(r -> !r.complete()).count();
            return partial("Revocation incomplete", failed + " of " + all.size() + " connections were not fully revoked; see results.", results);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("complete", true);
        m.put("results", results);
        return Response.ok(m).build();
    }

    static Map<String, Object> revocation(IncidentResponse.Revocation r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection", r.connection());
        m.put("complete", r.complete());
        m.put("suspended", r.suspended());
        m.put("removed_tokens", r.removedTokens());
        m.put("secret_destroyed", r.secretDestroyed());
        if (r.userDisabled() != null) m.put("user_disabled", r.userDisabled());
        m.put("failures", r.failures());
        return m;
    }

    /** A 502 problem document that also carries the per-connection results. */
    Response partial(String title, String detail, List<Map<String, Object>> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "https://patrol.dev/problems/revocation-incomplete");
        m.put("title", title);
        m.put("status", 502);
        m.put("detail", detail);
        m.put("request_id", requestIds.current());
        m.put("results", results);
        return Response.status(502).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store").entity(m).build();
    }

    @GET
    @Path("/drift")
    @Operation(summary = "Drift report", description = "Scans the registered users now: tokens patrol did not make, tokens "
            + "without a role restriction or restricted to another role, users at or near the 15-token limit, users no longer "
            + "TYPE=SERVICE or holding other roles; with the action taken per finding. Needs 'read' on patrol/reports.")
    @APIResponse(responseCode = "200", description = "The findings")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public Map<String, Object> drift(@Context HttpHeaders headers) {
        Callers.Caller caller = callers.require(headers, VaultPaths.REPORTS, "read");
        DriftDetector.Report r = drift.scan();
        audit(caller, "drift", "*", "success", r.findings().size() + " findings");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scanned_at", r.scannedAt().toString());
        m.put("findings", r.findings());
        return m;
    }

    @GET
    @Path("/posture")
    @Operation(summary = "Posture report", description = "The account settings the pattern rests on: person users cannot "
            + "use PATs, service users need a role restriction, network-policy evaluation is enforced, each CLI user is a "
            + "service user with one role and a network policy. Each check with its evidence (statement, value seen) and "
            + "the SQL that fixes it. Needs 'read' on patrol/reports.")
    @APIResponse(responseCode = "200", description = "The checks (PASS, FAIL or UNKNOWN each)")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Snowflake unavailable")
    public Map<String, Object> posture(@Context HttpHeaders headers) {
        Callers.Caller caller = callers.require(headers, VaultPaths.REPORTS, "read");
        PostureChecker.Report r = posture.check();
        audit(caller, "posture", "*", "success", r.failures() + " failing");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checked_at", r.checkedAt().toString());
        m.put("failing", r.failures());
        m.put("checks", r.checks());
        return m;
    }

    // ---------------------------------------------------------------- bodies

    JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) throw ApiException.badRequest("A JSON object is required.");
        if (body.length > MAX_BODY) throw new ApiException(413, "Payload too large", "Bodies are limited to " + MAX_BODY + " bytes.");
        try {
            JsonNode n = json.readTree(body);
            if (n == null || !n.isObject()) throw ApiException.badRequest("A JSON object is required.");
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("The body is not valid JSON.");
        }
    }

    static String reason(JsonNode body) {
        JsonNode r = body.get("reason");
        if (r == null || !r.isTextual() || r.asText().isBlank()) throw ApiException.badRequest("\"reason\" (a non-empty string) is required.");
        String reason = r.asText().trim();
        if (reason.length() > 500) throw ApiException.badRequest("\"reason\" is limited to 500 characters.");
        if (reason.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) throw ApiException.badRequest("\"reason\" must not contain control characters.");
        return reason;
    }
}
