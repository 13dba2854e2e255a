package dev.patrol.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.patrol.rotation.ConnectionState;
import dev.patrol.rotation.Workers;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.VaultPaths;
import dev.patrol.vault.Versioned;

/** The current secret of a connection, as JSON or as the ready {@code connections.toml} section. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "connections", description = "Registered CLI connections and their secrets")
public class TokenResource {

    static final String TOML = "application/toml";

    /** Reads the record and the state at once, so a secret costs one Vault round trip of latency. */
    private static final ExecutorService READS = Workers.pool("patrol-api-read", 16);

    @Inject
    ApiSupport api;
    @Inject
    FetchCache fetchCache;
    @Inject
    VaultPaths paths;

    @GET
    @Path("/connections/{name}/token")
    @Produces({ MediaType.APPLICATION_JSON, TOML })
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
        ApiSupport.checkName(name);
        Callers.Caller caller = api.require(headers, paths.record(name), "read");
        api.connection(name);
        ConnectionState cachedState = fetchCache.fresh(name);
        CompletableFuture<ConnectionState> stateRead = cachedState != null ? CompletableFuture.completedFuture(cachedState)
                : CompletableFuture.supplyAsync(() -> fetchCache.load(name), READS);
        Optional<Versioned<TokenRecord>> record = fetchCache.record(name);
        ConnectionState state = join(stateRead);
        if (state.suspended()) {
            api.audit(caller, "token", name, "refused", "suspended");
            throw ApiException.locked("Connection " + name + " is suspended: " + state.suspension().reason() + ".");
        }
        if (record.isEmpty()) {
            api.audit(caller, "token", name, "refused", "no secret yet");
            throw ApiException.notFound("Connection " + name + " has no secret yet; patrol mints one on its next sweep.");
        }
        TokenRecord r = record.get().value();
        boolean toml = headers.getAcceptableMediaTypes().stream()
                .anyMatch(t -> t.isCompatible(MediaType.valueOf(TOML)) && !t.isWildcardType());
        // The validator names the record version and token (never the secret), so an unchanged secret costs no body.
        String etag = TomlSection.etag(record.get().version(), r.tokenName(), toml);
        if (TomlSection.matches(headers.getHeaderString(HttpHeaders.IF_NONE_MATCH), etag)) {
            api.audit(caller, "token", name, "success", "not modified, token " + r.tokenName());
            return Response.notModified().header("ETag", etag).header("Cache-Control", "no-store").header("Pragma", "no-cache")
                    .build();
        }
        api.audit(caller, "token", name, "success", "token " + r.tokenName());
        Object entity;
        String type;
        if (toml) {
            Map<String, String> values = new LinkedHashMap<>();
            if (r.account() != null)
                values.put("account", r.account());
            values.put("user", r.user());
            values.put("password", r.token());
            values.put("role", r.role());
            for (String k : List.of("warehouse", "database", "schema", "host", "port", "protocol")) {
                if (r.parameters().get(k) != null)
                    values.put(k, r.parameters().get(k));
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
        return Response.ok(entity, type).header("ETag", etag).header("Cache-Control", "no-store").header("Pragma", "no-cache")
                .build();
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re)
                throw re;
            throw new IllegalStateException(e.getCause());
        }
    }
}
