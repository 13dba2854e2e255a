package dev.patrol.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultPaths;

/** Incident response: revoke one connection, resume it, revoke every connection (break glass). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "incidents", description = "Revoke, resume, break glass")
public class IncidentResource {

    static final String REVOKE_ALL_PHRASE = "REVOKE ALL";

    /** One connection's revocation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RevocationResult(String connection, String account, boolean complete, boolean suspended,
            @JsonProperty("removed_tokens") List<String> removedTokens,
            @JsonProperty("secret_destroyed") boolean secretDestroyed,
            @JsonProperty("user_disabled") Boolean userDisabled, List<String> failures) {
        static RevocationResult of(IncidentResponse.Revocation r) {
            return new RevocationResult(r.connection(), r.account(), r.complete(), r.suspended(), r.removedTokens(),
                    r.secretDestroyed(),
                    r.userDisabled(),
                    r.failures());
        }
    }

    /** One account's share of a break-glass revocation: its connections, and those not fully revoked. */
    public record AccountRevocation(boolean complete, List<String> connections, List<String> incomplete) {
    }

    public record RevokeAllResult(boolean complete, Map<String, AccountRevocation> accounts, List<RevocationResult> results) {
    }

    /** A 502 problem document that also carries the per-connection results (and, for revoke-all, per account). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartialRevocation(String type, String title, int status, String detail,
            @JsonProperty("request_id") String requestId, Map<String, AccountRevocation> accounts,
            List<RevocationResult> results) {
    }

    /** The results grouped by account, accounts in id order. */
    static Map<String, AccountRevocation> byAccount(List<IncidentResponse.Revocation> all) {
        Map<String, AccountRevocation> out = new TreeMap<>();
        all.stream().map(IncidentResponse.Revocation::account).distinct().forEach(account -> {
            List<IncidentResponse.Revocation> mine = all.stream().filter(r -> r.account().equals(account)).toList();
            out.put(account, new AccountRevocation(mine.stream().allMatch(IncidentResponse.Revocation::complete),
                    mine.stream().map(IncidentResponse.Revocation::connection).toList(),
                    mine.stream().filter(r -> !r.complete()).map(IncidentResponse.Revocation::connection).toList()));
        });
        return out;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResumeResult(String connection, String result, @JsonProperty("token_name") String tokenName,
            @JsonProperty("expires_at") String expiresAt) {
    }

    @Inject
    ApiSupport api;
    @Inject
    IncidentResponse incidents;
    @Inject
    SecretStore store;
    @Inject
    FetchCache fetchCache;

    @POST
    @Path("/connections/{name}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Revoke (incident)", description = "Suspends the connection, waits out a change in flight, removes "
            + "every PAT of its user in Snowflake (patrol's and any other), optionally disables the user (disable-user=true), "
            + "and destroys every version of the Vault record (metadata kept). Body {\"reason\": \"...\"}. "
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
        ApiSupport.checkName(name);
        Callers.Caller caller = api.require(headers, VaultPaths.revoke(name), "update");
        Connection c = api.connection(name);
        String reason = ApiSupport.reason(api.parse(body));
        IncidentResponse.Revocation r = incidents.revoke(c, reason, api.displayName(caller), disableUser);
        fetchCache.refresh(name);
        api.audit(caller, "revoke", name, r.complete() ? "success" : "partial", reason);
        RevocationResult result = RevocationResult.of(r);
        return r.complete() ? Response.ok(result).build()
                : partial("Some steps of revoking " + name + " failed; see failures.", null, List.of(result));
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
    @APIResponse(responseCode = "409", description = "A guardrail refuses to mint, or a change is in flight (see Retry-After)")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public ResumeResult resume(@PathParam("name") String name, @Context HttpHeaders headers) {
        ApiSupport.checkName(name);
        Callers.Caller caller = api.require(headers, VaultPaths.revoke(name), "update");
        Connection c = api.connection(name);
        RotationEngine.Outcome o = incidents.resume(c, api.displayName(caller));
        fetchCache.refresh(name);
        if (o.result() == RotationEngine.Result.BLOCKED) {
            api.audit(caller, "resume", name, "refused", o.detail());
            throw ApiException.conflict("Resumed, but not minting for " + name + ": " + o.detail() + ".");
        }
        if (o.result() == RotationEngine.Result.BUSY || o.result() == RotationEngine.Result.SUSPENDED) {
            api.audit(caller, "resume", name, "refused", o.detail());
            throw ApiException.conflict("Not resumed: " + o.detail() + ".").retryAfter(RotationResource.RETRY_AFTER_SECONDS);
        }
        api.audit(caller, "resume", name, "success", o.result().name().toLowerCase(Locale.ROOT));
        var r = store.current(name);
        return new ResumeResult(name, o.result().name().toLowerCase(Locale.ROOT),
                r.map(v -> v.value().tokenName()).orElse(null),
                r.map(v -> v.value().expiresAt().toString()).orElse(null));
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
        Callers.Caller caller = api.require(headers, VaultPaths.REVOKE_ALL, "sudo");
        JsonNode b = api.parse(body);
        String reason = ApiSupport.reason(b);
        if (!REVOKE_ALL_PHRASE.equals(b.path("confirm").asText(null))) {
            api.audit(caller, "revoke-all", "*", "refused", "confirm phrase missing or wrong");
            throw ApiException.badRequest("Confirm with \"confirm\": \"" + REVOKE_ALL_PHRASE + "\".");
        }
        List<IncidentResponse.Revocation> all = incidents.revokeAll(reason, api.displayName(caller), disableUsers);
        all.forEach(r -> fetchCache.refresh(r.connection()));
        boolean complete = all.stream().allMatch(IncidentResponse.Revocation::complete);
        api.audit(caller, "revoke-all", "*", complete ? "success" : "partial", reason);
        List<RevocationResult> results = all.stream().map(RevocationResult::of).toList();
        Map<String, AccountRevocation> accounts = byAccount(all);
        if (!complete) {
            long failed = all.stream().filter(r -> !r.complete()).count();
            List<String> where = accounts.entrySet().stream().filter(e -> !e.getValue().complete()).map(Map.Entry::getKey)
                    .toList();
            return partial(failed + " of " + all.size() + " connections were not fully revoked (accounts "
                    + String.join(", ", where) + "); see results.", accounts, results);
        }
        return Response.ok(new RevokeAllResult(true, accounts, results)).build();
    }

    private Response partial(String detail, Map<String, AccountRevocation> accounts, List<RevocationResult> results) {
        return Response.status(502).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                .entity(new PartialRevocation("https://patrol.dev/problems/revocation-incomplete", "Revocation incomplete", 502,
                        detail,
                        api.requestId(), accounts, results))
                .build();
    }
}
