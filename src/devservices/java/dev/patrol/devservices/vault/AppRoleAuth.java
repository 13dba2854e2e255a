package dev.patrol.devservices.vault;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The AppRole auth method at one mount: roles, role ids, secret ids (with their TTL, use count and
 * CIDR binding) and the login. Callers hold the emulator's lock.
 */
final class AppRoleAuth implements AuthBackend {

    /** A secret id keeps the role's TTL, use count and CIDR binding of the moment it was issued, as in Vault. */
    static final class SecretId {
        final String accessor = UUID.randomUUID().toString();
        final Instant expires; // null: never
        final List<Cidrs.Block> cidrs;
        int usesLeft; // 0: unlimited

        SecretId(Instant expires, List<Cidrs.Block> cidrs, int uses) {
            this.expires = expires;
            this.cidrs = cidrs;
            this.usesLeft = uses;
        }
    }

    static final class Role {
        final String name;
        String roleId = UUID.randomUUID().toString();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
        Duration tokenMaxTtl = Duration.ZERO;
        List<Cidrs.Block> tokenBoundCidrs = List.of();
        boolean bindSecretId = true;
        Duration secretIdTtl = Duration.ZERO;
        int secretIdNumUses;
        List<Cidrs.Block> secretIdBoundCidrs = List.of();
        final Map<String, SecretId> secretIds = new HashMap<>();

        Role(String name) {
            this.name = name;
        }
    }

    private final String mount;
    private final Clock clock;
    private final Tokens tokens;
    private final Acl acl;
    private final Map<String, Role> roles = new TreeMap<>();

    AppRoleAuth(String mount, Clock clock, Tokens tokens, Acl acl) {
        this.mount = mount;
        this.clock = clock;
        this.tokens = tokens;
        this.acl = acl;
    }

    @Override
    public String type() {
        return "approle";
    }

    String createRole(String name, List<String> tokenPolicies, Duration tokenTtl) {
        Role r = roles.computeIfAbsent(name, Role::new);
        r.policies = List.copyOf(tokenPolicies);
        r.tokenTtl = tokenTtl;
        return r.roleId;
    }

    String newSecretId(String role) {
        Role r = roles.get(role);
        if (r == null)
            throw new IllegalArgumentException("no AppRole " + role);
        return issueSecretId(r);
    }

    private String issueSecretId(Role r) {
        String id = UUID.randomUUID().toString();
        Instant expires = r.secretIdTtl.isZero() ? null : clock.instant().plus(r.secretIdTtl);
        r.secretIds.put(id, new SecretId(expires, r.secretIdBoundCidrs, r.secretIdNumUses));
        return id;
    }

    @Override
    public Answer login(Request req) {
        JsonNode body = req.body();
        String roleId = body.path("role_id").asText("");
        String secretId = body.path("secret_id").asText("");
        if (roleId.isEmpty())
            throw VaultError.badRequest("missing role_id");
        Role role = roles.values().stream().filter(r -> r.roleId.equals(roleId)).findFirst().orElse(null);
        if (role != null && role.bindSecretId && secretId.isEmpty())
            throw VaultError.badRequest("missing secret_id");
        if (role == null)
            throw VaultError.badRequest("invalid role or secret ID");
        if (role.bindSecretId) {
            SecretId s = role.secretIds.get(secretId);
            if (s != null && s.expires != null && !s.expires.isAfter(clock.instant())) {
                role.secretIds.remove(secretId);
                s = null;
            }
            if (s == null)
                throw VaultError.badRequest("invalid role or secret ID");
            if (!Cidrs.allows(s.cidrs, req.remote)) {
                throw VaultError.badRequest("source address \"" + (req.remote == null ? "" : req.remote.getHostAddress())
                        + "\" unauthorized through CIDR restrictions on the secret ID");
            }
            if (s.usesLeft > 0 && --s.usesLeft == 0)
                role.secretIds.remove(secretId);
        }
        Tokens.Token t = tokens.issue(role.policies, role.tokenTtl, role.tokenMaxTtl, true, "approle",
                Map.of("role_name", role.name), "auth/" + mount + "/login", true, role.tokenBoundCidrs);
        return tokens.authAnswer(t);
    }

    /** {@code role}, {@code role/<name>}, {@code role/<name>/role-id}, {@code role/<name>/secret-id}. */
    @Override
    public Answer handle(Request req, String sub, Tokens.Token token) {
        String path = req.path;
        String method = req.method;
        String[] parts = sub.split("/");
        if (!parts[0].equals("role"))
            throw VaultError.noRoute(path);
        if (parts.length == 1) {
            if (!method.equals("LIST"))
                throw VaultError.unsupported();
            acl.require(token, path, "list");
            if (roles.isEmpty())
                throw VaultError.notFound();
            return Answer.keys(roles.keySet());
        }
        String name = parts[1];
        Role role = roles.get(name);
        switch (parts.length == 2 ? "" : parts[2]) {
            case "" -> {
                return role(req, name, role, token);
            }
            case "role-id" -> {
                if (role == null)
                    throw VaultError.notFound();
                if (method.equals("GET")) {
                    acl.require(token, path, "read");
                    ObjectNode d = Answer.JSON.createObjectNode();
                    d.put("role_id", role.roleId);
                    return Answer.ok(d);
                }
                acl.require(token, path, "update");
                String id = req.body().path("role_id").asText("");
                if (id.isEmpty())
                    throw VaultError.badRequest("missing role_id");
                role.roleId = id;
                return Answer.noContent();
            }
            case "secret-id" -> {
                if (role == null)
                    throw VaultError.badRequest("role \"" + name + "\" does not exist");
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, path, "update");
                String id = issueSecretId(role);
                ObjectNode d = Answer.JSON.createObjectNode();
                d.put("secret_id", id);
                d.put("secret_id_accessor", role.secretIds.get(id).accessor);
                d.put("secret_id_ttl", role.secretIdTtl.toSeconds());
                d.put("secret_id_num_uses", role.secretIdNumUses);
                return Answer.ok(d);
            }
            default -> throw VaultError.noRoute(path);
        }
    }

    private Answer role(Request req, String name, Role role, Tokens.Token token) {
        String path = req.path;
        switch (req.method) {
            case "GET" -> {
                acl.require(token, path, "read");
                if (role == null)
                    throw VaultError.notFound();
                ObjectNode d = Answer.JSON.createObjectNode();
                d.put("bind_secret_id", role.bindSecretId);
                ArrayNode sc = d.putArray("secret_id_bound_cidrs");
                Cidrs.texts(role.secretIdBoundCidrs).forEach(sc::add);
                d.put("secret_id_num_uses", role.secretIdNumUses);
                d.put("secret_id_ttl", role.secretIdTtl.toSeconds());
                ArrayNode tc = d.putArray("token_bound_cidrs");
                Cidrs.texts(role.tokenBoundCidrs).forEach(tc::add);
                d.put("token_max_ttl", role.tokenMaxTtl.toSeconds());
                ArrayNode ps = d.putArray("token_policies");
                role.policies.forEach(ps::add);
                d.put("token_ttl", role.tokenTtl.toSeconds());
                return Answer.ok(d);
            }
            case "DELETE" -> {
                acl.require(token, path, "delete");
                roles.remove(name);
                return Answer.noContent();
            }
            case "POST", "PUT" -> {
                acl.require(token, path, role == null ? "create" : "update");
                JsonNode b = req.body();
                // Parse everything before changing anything, so a bad field leaves the role as it was.
                List<String> policies = b.has("token_policies") || b.has("policies")
                        ? List.copyOf(Answer.strings(b.has("token_policies") ? b.get("token_policies") : b.get("policies")))
                        : null;
                Duration ttl = b.hasNonNull("token_ttl") ? KvStore.parseDuration(b.get("token_ttl")) : null;
                Duration maxTtl = b.hasNonNull("token_max_ttl") ? KvStore.parseDuration(b.get("token_max_ttl")) : null;
                Duration secretIdTtl = b.hasNonNull("secret_id_ttl") ? KvStore.parseDuration(b.get("secret_id_ttl")) : null;
                List<Cidrs.Block> secretIdCidrs = b.has("secret_id_bound_cidrs")
                        ? Cidrs.parse(Answer.strings(b.get("secret_id_bound_cidrs")))
                        : null;
                List<Cidrs.Block> tokenCidrs = b.has("token_bound_cidrs")
                        ? Cidrs.parse(Answer.strings(b.get("token_bound_cidrs")))
                        : null;
                Integer uses = null;
                if (b.hasNonNull("secret_id_num_uses")) {
                    try {
                        uses = Integer.parseInt(b.get("secret_id_num_uses").asText().trim());
                    } catch (NumberFormatException e) {
                        throw VaultError.badRequest("error converting input for field \"secret_id_num_uses\"");
                    }
                    if (uses < 0)
                        throw VaultError.badRequest("secret_id_num_uses cannot be negative");
                }
                Role r = role == null ? new Role(name) : role;
                if (policies != null)
                    r.policies = policies;
                if (ttl != null)
                    r.tokenTtl = ttl;
                if (maxTtl != null)
                    r.tokenMaxTtl = maxTtl;
                if (secretIdTtl != null)
                    r.secretIdTtl = secretIdTtl;
                if (secretIdCidrs != null)
                    r.secretIdBoundCidrs = secretIdCidrs;
                if (tokenCidrs != null)
                    r.tokenBoundCidrs = tokenCidrs;
                if (uses != null)
                    r.secretIdNumUses = uses;
                if (b.has("bind_secret_id"))
                    r.bindSecretId = b.get("bind_secret_id").asBoolean();
                roles.put(name, r);
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }
}
