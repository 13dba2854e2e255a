package dev.patrol.devservices.vault;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The emulator's ACL: the named policies, what a token may do on a path, and the policy and
 * capability endpoints ({@code sys/policies/acl}, {@code sys/capabilities[-self]}). Callers hold
 * the emulator's lock.
 */
final class Acl {

    /** The default policy every non-root token carries (a subset of Vault's built-in one). */
    static final String DEFAULT_POLICY = """
            path "auth/token/lookup-self" { capabilities = ["read"] }
            path "auth/token/renew-self" { capabilities = ["update"] }
            path "auth/token/revoke-self" { capabilities = ["update"] }
            path "sys/capabilities-self" { capabilities = ["update"] }
            path "sys/internal/ui/mounts" { capabilities = ["read"] }
            path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
            """;

    private final Map<String, AclPolicy> policies = new TreeMap<>();

    Acl() {
        policies.put("default", AclPolicy.parse("default", DEFAULT_POLICY));
    }

    /** Creates or replaces a policy; throws {@link IllegalArgumentException} on bad HCL. */
    void put(String name, String hcl) {
        policies.put(name, AclPolicy.parse(name, hcl));
    }

    Set<String> capabilities(Tokens.Token token, String path) {
        if (token.root())
            return Set.of("root");
        List<AclPolicy> ps = new ArrayList<>();
        for (String name : token.policies) {
            AclPolicy p = policies.get(name);
            if (p != null)
                ps.add(p);
        }
        Set<String> caps = AclPolicy.capabilities(ps, path);
        return caps.isEmpty() ? Set.of("deny") : caps;
    }

    /** Throws Vault's 403 unless the token holds {@code capability} on {@code path}. */
    void require(Tokens.Token token, String path, String capability) {
        Set<String> caps = capabilities(token, path);
        if (caps.contains("root"))
            return;
        if (caps.contains("deny") || !caps.contains(capability))
            throw VaultError.denied();
    }

    /** As {@link #require}, for the paths Vault also demands {@code sudo} on (enabling and disabling auth methods). */
    void requireSudo(Tokens.Token token, String path, String capability) {
        require(token, path, capability);
        if (!token.root() && !capabilities(token, path).contains("sudo"))
            throw VaultError.denied();
    }

    /** Whether any rule of the token's policies grants something under the mount (the CLI's preflight check). */
    boolean anyAccessUnder(Tokens.Token token, String mount) {
        if (token.root())
            return true;
        for (String name : token.policies) {
            AclPolicy p = policies.get(name);
            if (p == null)
                continue;
            for (AclPolicy.Rule r : p.rules) {
                if (r.capabilities().contains("deny") || r.capabilities().isEmpty())
                    continue;
                String fixed = r.pattern().replaceAll("[+*].*$", "");
                if (fixed.startsWith(mount + "/") || (mount + "/").startsWith(fixed))
                    return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- endpoints

    /** {@code sys/policies/acl[/<name>]}. */
    Answer policies(Request req, Tokens.Token token) {
        String path = req.path;
        if (path.equals("sys/policies/acl")) {
            if (!req.method.equals("LIST"))
                throw VaultError.unsupported();
            require(token, path, "list");
            List<String> names = new ArrayList<>(policies.keySet());
            names.add("root");
            return Answer.keys(names);
        }
        String name = path.substring("sys/policies/acl/".length()).toLowerCase(Locale.ROOT);
        switch (req.method) {
            case "GET" -> {
                require(token, path, "read");
                AclPolicy p = policies.get(name);
                if (p == null)
                    throw VaultError.notFound();
                ObjectNode data = Answer.JSON.createObjectNode();
                data.put("name", name);
                data.put("policy", p.text);
                return Answer.ok(data);
            }
            case "POST", "PUT" -> {
                require(token, path, policies.containsKey(name) ? "update" : "create");
                JsonNode b = req.body();
                if (!b.path("policy").isTextual())
                    throw VaultError.badRequest("'policy' parameter not supplied or empty");
                if (name.equals("root"))
                    throw VaultError.badRequest("cannot update \"root\" policy");
                try {
                    policies.put(name, AclPolicy.parse(name, b.get("policy").asText()));
                } catch (IllegalArgumentException e) {
                    throw VaultError.badRequest(e.getMessage());
                }
                return Answer.noContent();
            }
            case "DELETE" -> {
                require(token, path, "delete");
                if (name.equals("default") || name.equals("root"))
                    throw VaultError.badRequest("cannot delete \"" + name + "\" policy");
                policies.remove(name);
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }

    /** {@code sys/capabilities-self}: the caller's own capabilities. */
    Answer capabilitiesSelf(Request req, Tokens.Token token) {
        if (!req.isWrite())
            throw VaultError.unsupported();
        require(token, "sys/capabilities-self", "update");
        return capabilitiesAnswer(token, paths(req.body()));
    }

    /** {@code sys/capabilities}: another token's capabilities, for holders of its own grant. */
    Answer capabilitiesOf(Request req, Tokens.Token token, Tokens tokens) {
        require(token, req.path, "update");
        JsonNode b = req.body();
        Tokens.Token other = tokens.get(b.path("token").asText(""));
        if (other == null)
            throw VaultError.badRequest("invalid token");
        return capabilitiesAnswer(other, paths(b));
    }

    private Answer capabilitiesAnswer(Tokens.Token token, List<String> paths) {
        ObjectNode data = Answer.JSON.createObjectNode();
        for (String p : paths) {
            ArrayNode caps = data.putArray(p);
            new TreeSet<>(capabilities(token, p)).forEach(caps::add);
        }
        ObjectNode top = Answer.envelope(data);
        data.fields().forEachRemaining(e -> top.set(e.getKey(), e.getValue()));
        if (paths.size() == 1)
            top.set("capabilities", data.get(paths.get(0)));
        return new Answer(200, top);
    }

    private static List<String> paths(JsonNode body) {
        List<String> out = new ArrayList<>();
        if (body.path("paths").isArray())
            body.get("paths").forEach(p -> out.add(Answer.trimSlashes(p.asText())));
        else if (body.path("paths").isTextual()) {
            for (String p : body.get("paths").asText().split(","))
                out.add(Answer.trimSlashes(p.trim()));
        }
        if (body.hasNonNull("path"))
            out.add(Answer.trimSlashes(body.get("path").asText()));
        if (out.isEmpty())
            throw VaultError.badRequest("missing paths");
        return out;
    }
}
