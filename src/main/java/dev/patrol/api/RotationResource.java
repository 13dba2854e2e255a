package dev.patrol.api;

import java.util.Locale;
import java.util.OptionalInt;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultPaths;

/** Rotate now, e.g. after a suspected leak. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "connections", description = "Registered CLI connections and their secrets")
public class RotationResource {

    /** What a rotation did; the new token's name and expiry, never its secret. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RotationResult(String connection, String result, String detail, @JsonProperty("token_name") String tokenName,
            @JsonProperty("expires_at") String expiresAt) {
    }

    /** A change in flight takes a few seconds (one validation login); a retry after this finds it done. */
    static final int RETRY_AFTER_SECONDS = 2;

    @Inject
    ApiSupport api;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;
    @Inject
    FetchCache fetchCache;

    @POST
    @Path("/connections/{name}/rotate")
    @Operation(summary = "Rotate now", description = "Rotates the connection's secret now, whether or not it is due. "
            + "'expire-previous-after=0h' ends the previous secret at once (a suspected leak), whatever the strategy; the "
            + "default keeps it for the grace window. Needs 'update' on patrol/connections/{name}/rotate.")
    @APIResponse(responseCode = "200", description = "Rotated (or minted, or repaired); the new token's name and expiry")
    @APIResponse(responseCode = "400", description = "Bad expire-previous-after")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "409", description = "A guardrail refuses, or another change is in flight (see Retry-After)")
    @APIResponse(responseCode = "423", description = "The connection is suspended")
    @APIResponse(responseCode = "502", description = "Snowflake refused the rotation")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public RotationResult rotate(@PathParam("name") String name,
            @Parameter(description = "Hours the previous secret stays valid, e.g. 0h") @QueryParam("expire-previous-after") String expireAfter,
            @Context HttpHeaders headers) {
        ApiSupport.checkName(name);
        Callers.Caller caller = api.require(headers, VaultPaths.rotate(name), "update");
        Connection c = api.connection(name);
        OptionalInt hours = hours(expireAfter, c);
        RotationEngine.Outcome o = engine.process(c, RotationEngine.Request.rotateNow(api.displayName(caller), hours));
        fetchCache.refresh(name);
        switch (o.result()) {
            case SUSPENDED -> {
                api.audit(caller, "rotate", name, "refused", "suspended");
                throw ApiException.locked("Connection " + name + " is suspended.");
            }
            case BLOCKED -> {
                api.audit(caller, "rotate", name, "refused", o.detail());
                throw ApiException.conflict("Not rotating " + name + ": " + o.detail() + ".");
            }
            case BUSY -> {
                api.audit(caller, "rotate", name, "refused", "a change is in flight");
                throw ApiException.conflict("Another change to " + name + " is in flight; retry in a moment.")
                        .retryAfter(RETRY_AFTER_SECONDS);
            }
            default -> {
            }
        }
        api.audit(caller, "rotate", name, "success", o.result().name().toLowerCase(Locale.ROOT) + "; " + o.detail());
        var r = store.current(name);
        return new RotationResult(name, o.result().name().toLowerCase(Locale.ROOT), o.detail(),
                r.map(v -> v.value().tokenName()).orElse(null), r.map(v -> v.value().expiresAt().toString()).orElse(null));
    }

    static OptionalInt hours(String text, Connection c) {
        if (text == null || text.isBlank())
            return OptionalInt.empty();
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!t.matches("\\d{1,4}h?"))
            throw ApiException.badRequest("expire-previous-after must be whole hours, e.g. 0h or 24h.");
        int h = Integer.parseInt(t.replace("h", ""));
        if (h > c.graceHours()) {
            throw ApiException
                    .badRequest("expire-previous-after may shorten the grace window (" + c.graceHours() + "h), not extend it.");
        }
        return OptionalInt.of(h);
    }
}
