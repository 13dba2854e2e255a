package dev.patrol.devservices.vault;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Kubernetes auth method at one mount: its config, roles bound to service accounts and
 * namespaces, and the login. The emulator reads the service-account JWT's claims without a
 * TokenReview (there is no cluster to ask). Callers hold the emulator's lock.
 */
final class KubernetesAuth implements AuthBackend {

    static final class Role {
        List<String> serviceAccounts = List.of();
        List<String> namespaces = List.of();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
    }

    private final String mount;
    private final Tokens tokens;
    private final Acl acl;
    private final Map<String, Role> roles = new TreeMap<>();
    private String kubernetesHost = "";

    KubernetesAuth(String mount, Tokens tokens, Acl acl) {
        this.mount = mount;
        this.tokens = tokens;
        this.acl = acl;
    }

    @Override
    public String type() {
        return "kubernetes";
    }

    void createRole(String name, List<String> serviceAccounts, List<String> namespaces, List<String> tokenPolicies,
            Duration tokenTtl) {
        Role r = new Role();
        r.serviceAccounts = List.copyOf(serviceAccounts);
        r.namespaces = List.copyOf(namespaces);
        r.policies = List.copyOf(tokenPolicies);
        r.tokenTtl = tokenTtl;
        roles.put(name, r);
    }

    @Override
    public Answer login(Request req) {
        JsonNode body = req.body();
        String roleName = body.path("role").asText("");
        String jwt = body.path("jwt").asText("");
        if (roleName.isEmpty())
            throw VaultError.badRequest("missing role");
        if (jwt.isEmpty())
            throw VaultError.badRequest("missing jwt");
        Role role = roles.get(roleName);
        if (role == null)
            throw VaultError.badRequest("invalid role name \"" + roleName + "\"");
        String namespace, account;
        try {
            String[] parts = jwt.split("\\.");
            JsonNode claims = Answer.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String[] s = claims.path("sub").asText("").split(":");
            if (s.length != 4 || !s[0].equals("system") || !s[1].equals("serviceaccount"))
                throw new IllegalArgumentException();
            namespace = s[2];
            account = s[3];
        } catch (Exception e) {
            throw new VaultError(403, List.of("permission denied"));
        }
        boolean accountOk = role.serviceAccounts.contains("*") || role.serviceAccounts.contains(account);
        boolean namespaceOk = role.namespaces.contains("*") || role.namespaces.contains(namespace);
        if (!accountOk || !namespaceOk)
            throw new VaultError(403, List.of("service account name not authorized"));
        Tokens.Token t = tokens.issue(role.policies, role.tokenTtl, null, true, "kubernetes-" + namespace + "-" + account,
                Map.of("role", roleName, "service_account_name", account, "service_account_namespace", namespace),
                "auth/" + mount + "/login", true);
        return tokens.authAnswer(t);
    }

    /** {@code config}, {@code role} (LIST) and {@code role/<name>}. */
    @Override
    public Answer handle(Request req, String sub, Tokens.Token token) {
        String path = req.path;
        if (sub.equals("config")) {
            if (req.method.equals("GET")) {
                acl.require(token, path, "read");
                ObjectNode d = Answer.JSON.createObjectNode();
                d.put("kubernetes_host", kubernetesHost);
                return Answer.ok(d);
            }
            if (!req.isWrite())
                throw VaultError.unsupported();
            acl.require(token, path, "update");
            String host = req.body().path("kubernetes_host").asText("");
            if (host.isEmpty())
                throw VaultError.badRequest("no host provided");
            kubernetesHost = host;
            return Answer.noContent();
        }
        if (sub.equals("role")) {
            if (!req.method.equals("LIST"))
                throw VaultError.unsupported();
            acl.require(token, path, "list");
            if (roles.isEmpty())
                throw VaultError.notFound();
            return Answer.keys(roles.keySet());
        }
        if (!sub.startsWith("role/"))
            throw VaultError.noRoute(path);
        String name = sub.substring("role/".length());
        Role role = roles.get(name);
        switch (req.method) {
            case "GET" -> {
                acl.require(token, path, "read");
                if (role == null)
                    throw VaultError.notFound();
                ObjectNode d = Answer.JSON.createObjectNode();
                ArrayNode names = d.putArray("bound_service_account_names");
                role.serviceAccounts.forEach(names::add);
                ArrayNode namespaces = d.putArray("bound_service_account_namespaces");
                role.namespaces.forEach(namespaces::add);
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
                createRole(name, Answer.strings(b.get("bound_service_account_names")),
                        Answer.strings(b.get("bound_service_account_namespaces")),
                        Answer.strings(b.has("token_policies") ? b.get("token_policies") : b.get("policies")),
                        b.hasNonNull("token_ttl") ? KvStore.parseDuration(b.get("token_ttl")) : Duration.ZERO);
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }
}
