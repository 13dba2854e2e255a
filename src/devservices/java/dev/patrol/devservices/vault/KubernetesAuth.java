package dev.patrol.devservices.vault;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes auth method: roles bound to service accounts and namespaces, and the login. The
 * emulator reads the service-account JWT's claims without a TokenReview (there is no cluster to
 * ask). Callers hold the emulator's lock.
 */
final class KubernetesAuth {

    static final class Role {
        List<String> serviceAccounts = List.of();
        List<String> namespaces = List.of();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
    }

    private final Tokens tokens;
    private final Acl acl;
    private final Map<String, Role> roles = new TreeMap<>();

    KubernetesAuth(Tokens tokens, Acl acl) {
        this.tokens = tokens;
        this.acl = acl;
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

    Answer login(JsonNode body) {
        String roleName = body.path("role").asText("");
        String jwt = body.path("jwt").asText("");
        if (roleName.isEmpty()) throw VaultError.badRequest("missing role");
        if (jwt.isEmpty()) throw VaultError.badRequest("missing jwt");
        Role role = roles.get(roleName);
        if (role == null) throw VaultError.badRequest("invalid role name \"" + roleName + "\"");
        String namespace, account;
        try {
            String[] parts = jwt.split("\\.");
            JsonNode claims = Answer.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String[] s = claims.path("sub").asText("").split(":");
            if (s.length != 4 || !s[0].equals("system") || !s[1].equals("serviceaccount")) throw new IllegalArgumentException();
            namespace = s[2];
            account = s[3];
        } catch (Exception e) {
            throw new VaultError(403, List.of("permission denied"));
        }
        boolean accountOk = role.serviceAccounts.contains("*") || role.serviceAccounts.contains(account);
        boolean namespaceOk = role.namespaces.contains("*") || role.namespaces.contains(namespace);
        if (!accountOk || !namespaceOk) throw new VaultError(403, List.of("service account name not authorized"));
        Tokens.Token t = tokens.issue(role.policies, role.tokenTtl, null, true, "kubernetes-" + namespace + "-" + account,
                Map.of("role", roleName, "service_account_name", account, "service_account_namespace", namespace),
                "auth/kubernetes/login", true);
        return tokens.authAnswer(t);
    }

    /** {@code auth/kubernetes/role/<name>} (write only). */
    Answer admin(Request req, Tokens.Token token) {
        if (!req.isWrite()) throw VaultError.unsupported();
        String name = req.path.substring("auth/kubernetes/role/".length());
        acl.require(token, req.path, roles.containsKey(name) ? "update" : "create");
        JsonNode b = req.body();
        createRole(name, Answer.strings(b.get("bound_service_account_names")), Answer.strings(b.get("bound_service_account_namespaces")),
                Answer.strings(b.has("token_policies") ? b.get("token_policies") : b.get("policies")),
                b.hasNonNull("token_ttl") ? KvStore.parseDuration(b.get("token_ttl")) : Duration.ZERO);
        return Answer.noContent();
    }
}
