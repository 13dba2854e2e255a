package dev.patrol.api;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.ConnectionState;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.VaultPaths;

/** Registered connections and their token state, never a secret. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "connections", description = "Registered CLI connections and their secrets")
public class ConnectionsResource {

    @Inject
    ApiSupport api;
    @Inject
    ConnectionRegistry registry;
    @Inject
    SecretStore store;
    @Inject
    VaultPaths paths;

    @GET
    @Path("/connections")
    @Operation(summary = "List connections", description = "Registered connections and their token state, without secrets. "
            + "Needs 'list' on <kv-mount>/metadata/<path-prefix>.")
    @APIResponse(responseCode = "200", description = "The connections")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Vault unavailable")
    public List<ConnectionView> list(@Context HttpHeaders headers) {
        Callers.Caller caller = api.require(headers, paths.records(), "list");
        List<ConnectionView> out = registry.all().stream().map(this::view).toList();
        api.audit(caller, "list", "*", "success", null);
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
    public ConnectionView get(@PathParam("name") String name, @Context HttpHeaders headers) {
        ApiSupport.checkName(name);
        Callers.Caller caller = api.require(headers, paths.record(name), "read");
        ConnectionView v = view(api.connection(name));
        api.audit(caller, "get", name, "success", null);
        return v;
    }

    private ConnectionView view(Connection c) {
        return ConnectionView.of(c, store.current(c.name()), ConnectionState.read(store, c.name()));
    }
}
