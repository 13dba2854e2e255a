package dev.patrol.vault;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import dev.patrol.devservices.AdjustableClock;
import dev.patrol.devservices.vault.VaultEmulator;

/**
 * Where the Vault contract tests run: a real Vault when {@code PATROL_TEST_VAULT_ADDR} and
 * {@code PATROL_TEST_VAULT_TOKEN} are set (KV v2 at {@code secret/}), else the Vault emulator. Each
 * test gets its own random path prefix, so runs against a shared Vault do not collide.
 */
final class VaultTarget implements AutoCloseable {

    final AdjustableClock clock = new AdjustableClock();
    final VaultEmulator emulator;
    final String address;
    final String rootToken;
    final String prefix = "patrol-test-" + UUID.randomUUID().toString().substring(0, 8);
    final HttpClient http = VaultSession.defaultHttpClient();

    VaultTarget() {
        String addr = System.getenv("PATROL_TEST_VAULT_ADDR");
        String token = System.getenv("PATROL_TEST_VAULT_TOKEN");
        if (addr != null && !addr.isBlank() && token != null && !token.isBlank()) {
            emulator = null;
            address = addr;
            rootToken = token;
        } else {
            emulator = VaultEmulator.start("127.0.0.1", 0, "contract-root", clock);
            address = emulator.address();
            rootToken = emulator.rootToken();
        }
    }

    boolean isEmulator() {
        return emulator != null;
    }

    VaultSession session(String token) {
        return new VaultSession(address, "secret", http, new VaultLogin.FixedToken(token), clock);
    }

    VaultSecretStore store(String token) {
        return new VaultSecretStore(session(token), new VaultPaths("secret", prefix));
    }

    /** Sends one request with the root token; returns the status (and fails on a 5xx). */
    String call(String method, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(address + "/v1/" + path)).header("X-Vault-Token", rootToken)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300)
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    void putPolicy(String name, String hcl) throws Exception {
        call("PUT", "sys/policies/acl/" + name,
                "{\"policy\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(hcl) + "}");
    }

    String createToken(String policy, String ttl) throws Exception {
        String body = call("POST", "auth/token/create", "{\"policies\":[\"" + policy + "\"],\"ttl\":\"" + ttl + "\"}");
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("auth").path("client_token").asText();
    }

    @Override
    public void close() throws Exception {
        if (emulator != null) {
            emulator.close();
        } else {
            call("DELETE", "secret/metadata/" + prefix, null);
        }
    }
}
