package dev.patrol.devservices.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** The AppRole auth method: roles, role ids, secret ids and the login. Callers hold the emulator's lock. */
final class AppRoleAuth {

    static final class Role {
        final String name;
        String roleId = UUID.randomUUID().toString();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
        Duration tokenMaxTtl = Duration.ZERO;
        boolean bindSecretId = true;
        final Map<String, String> secretIds = new HashMap<>(); // secret id -> accessor

        Role(String name) {
            this.name = name;
        }
    }

    private final Tokens tokens;
    private final Acl acl;
    private final Map<String, Role> roles = new TreeMap<>();

    AppRoleAuth(Tokens tokens, Acl acl) {
        this.tokens = tokens;
        this.acl = acl;
    }

    String createRole(String name, List<String> tokenPolicies, Duration tokenTtl) {
        Role r = roles.computeIfAbsent(name, Role::new);
        r.policies = List.copyOf(tokenPolicies);
        r.tokenTtl = tokenTtl;
        return r.roleId;
    }

    String newSecretId(String role) {
        Role r = roles.get(role);
        if (r == null) throw new IllegalArgumentException("no AppRole " + role);
        String id = UUID.randomUUID().toString();
        r.secretIds.put(id, UUID.randomUUID().toString());
        return id;
    }

    Answer login(JsonNode body) {
        String roleId = body.path("role_id").asText("");
        String secretId = body.path("secret_id").asText("");
        if (roleId.isEmpty()) throw VaultError.badRequest("missing role_id");
        Role role = roles.values().stream().filter(r -> r.roleId.equals(roleId)).findFirst().orElse(null);
        if (role != null && role.bindSecretId && secretId.isEmpty()) throw VaultError.badRequest("missing secret_id");
        if (role == null || (role.bindSecretId && !role.secretIds.containsKey(secretId))) {
            throw VaultError.badRequest("invalid role or secret ID");
        }
        Tokens.Token t = tokens.issue(role.policies, role.tokenTtl, role.tokenMaxTtl, true, "approle",
                Map.of("role_name", role.name), "auth/approle/login", true);
        return tokens.authAnswer(t);
    }

    /** {@code auth/approle/role[/<name>[/role-id|/secret-id]]}. */
    Answer admin(Request req, Tokens.Token token) {
        String path = req.path;
        String method = req.method;
        String[] parts = path.split("/");
        if (parts.length < 4) {
            if (!method.equals("LIST")) throw VaultError.unsupported();
            acl.require(token, path, "list");
            return Answer.keys(roles.keySet());
        }
        String name = parts[3];
        String sub = parts.length > 4 ? parts[4] : "";
        Role role = roles.get(name);
        switch (sub) {
            case "" -> {
                if (method.equals("GET")) {
                    acl.require(token, path, "read");
                    if (role == null) throw VaultError.notFound();
                    ObjectNode d = Answer.JSON.createObjectNode();
                    ArrayNode ps = d.putArray("token_policies");
                    role.policies.forEach(ps::add);
                    d.put("token_ttl", role.tokenTtl.toSeconds());
                    d.put("token_max_ttl", role.tokenMaxTtl.toSeconds());
                    d.put("bind_secret_id", role.bindSecretId);
                    return Answer.ok(d);
                }
                if (method.equals("DELETE")) {
                    acl.require(token, path, "delete");
                    roles.remove(name);
                    return Answer.noContent();
                }
                acl.require(token, path, role == null ? "create" : "update");
                JsonNode b = req.body();
                Role r = role == null ? new Role(name) : role;
                if (b.has("token_policies") || b.has("policies")) {
                    r.policies = List.copyOf(Answer.strings(b.has("token_policies") ? b.get("token_policies") : b.get("policies")));
                }
                if (b.hasNonNull("token_ttl")) r.tokenTtl = KvStore.parseDuration(b.get("token_ttl"));
                if (b.hasNonNull("token_max_ttl")) r.tokenMaxTtl = KvStore.parseDuration(b.get("token_max_ttl"));
                if (b.has("bind_secret_id")) r.bindSecretId = b.get("bind_secret_id").asBoolean();
                roles.put(name, r);
                return Answer.noContent();
            }
            case "role-id" -> {
                if (role == null) throw VaultError.notFound();
                if (method.equals("GET")) {
                    acl.require(token, path, "read");
                    ObjectNode d = Answer.JSON.createObjectNode();
                    d.put("role_id", role.roleId);
                    return Answer.ok(d);
                }
                acl.require(token, path, "update");
                String id = req.body().path("role_id").asText("");
                if (id.isEmpty()) throw VaultError.badRequest("missing role_id");
                role.roleId = id;
                return Answer.noContent();
            }
            case "secret-id" -> {
                if (role == null) throw VaultError.badRequest("role \"" + name + "\" does not exist");
                if (!req.isWrite()) throw VaultError.unsupported();
                acl.require(token, path, "update");
                String id = UUID.randomUUID().toString();
                String accessor = UUID.randomUUID().toString();
                role.secretIds.put(id, accessor);
                ObjectNode d = Answer.JSON.createObjectNode();
                d.put("secret_id", id);
                d.put("secret_id_accessor", accessor);
                d.put("secret_id_ttl", 0);
                d.put("secret_id_num_uses", 0);
                return Answer.ok(d);
            }
            default -> throw VaultError.noRoute(path);
        }
    }
}
