package dev.patrol.devservices.vault;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One request as the emulator's parts see it: verb ({@code LIST} for {@code GET ?list=true}), path
 * after {@code /v1/} without surrounding slashes, query, the caller's address (for CIDR-bound
 * credentials), and the JSON body, read on first use.
 */
final class Request {

    final String method;
    final String path;
    final Map<String, String> query;
    final InetAddress remote;
    private final InputStream in;
    private JsonNode body;

    Request(String method, String path, Map<String, String> query, InetAddress remote, InputStream in) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.remote = remote;
        this.in = in;
    }

    boolean isWrite() {
        return method.equals("POST") || method.equals("PUT");
    }

    /** The body as a JSON object ({@code {}} when empty); 400 in Vault's words when it is not one. */
    JsonNode body() {
        if (body != null)
            return body;
        try {
            byte[] bytes = in.readNBytes(1 << 20);
            if (bytes.length == 0)
                return body = Answer.JSON.createObjectNode();
            JsonNode n = Answer.JSON.readTree(bytes);
            if (n == null || !n.isObject())
                throw VaultError.badRequest("failed to parse JSON input: expected an object");
            return body = n;
        } catch (IOException e) {
            throw VaultError.badRequest("failed to parse JSON input: " + e.getClass().getSimpleName().replace("Exception", ""));
        }
    }
}
