package dev.patrol.api;

import java.io.IOException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.audit.AuditLog;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;

/** What every resource does the same way: authorise, find the connection, audit, read a JSON body. */
@ApplicationScoped
public class ApiSupport {

    static final int MAX_BODY = 16 * 1024;

    @Inject
    Callers callers;
    @Inject
    ConnectionRegistry registry;
    @Inject
    AuditLog audit;
    @Inject
    RequestIds requestIds;
    @Inject
    ObjectMapper json;

    Callers.Caller require(HttpHeaders headers, String path, String capability) {
        return callers.require(headers, path, capability);
    }

    String displayName(Callers.Caller caller) {
        return callers.displayName(caller);
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
        String account = registry.find(connection).map(Connection::account).orElse(null);
        audit.record(new AuditLog.Event("api." + action, callers.displayName(caller), connection, account, null, null, outcome,
                (detail == null ? "" : detail + "; ") + "request " + requestIds.current()));
    }

    String requestId() {
        return requestIds.current();
    }

    JsonNode parse(byte[] body) {
        if (body == null || body.length == 0)
            throw ApiException.badRequest("A JSON object is required.");
        if (body.length > MAX_BODY)
            throw new ApiException(413, "Payload too large", "Bodies are limited to " + MAX_BODY + " bytes.");
        try {
            JsonNode n = json.readTree(body);
            if (n == null || !n.isObject())
                throw ApiException.badRequest("A JSON object is required.");
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("The body is not valid JSON.");
        }
    }

    static String reason(JsonNode body) {
        JsonNode r = body.get("reason");
        if (r == null || !r.isTextual() || r.asText().isBlank())
            throw ApiException.badRequest("\"reason\" (a non-empty string) is required.");
        String reason = r.asText().trim();
        if (reason.length() > 500)
            throw ApiException.badRequest("\"reason\" is limited to 500 characters.");
        if (reason.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f))
            throw ApiException.badRequest("\"reason\" must not contain control characters.");
        return reason;
    }
}
