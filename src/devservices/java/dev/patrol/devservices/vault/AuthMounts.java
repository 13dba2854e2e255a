package dev.patrol.devservices.vault;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The auth method table: {@code token/} always, AppRole and Kubernetes wherever an operator enables
 * them, and {@code sys/auth} to list, enable, disable and tune them (enable, disable and tune need
 * {@code sudo}, as in Vault). Callers hold the emulator's lock.
 */
final class AuthMounts {

    /** One enabled auth method; {@code backend} is null for {@code token/}, which {@link Tokens} serves. */
    static final class Mount {
        final String path;
        final String type;
        String description;
        final AuthBackend backend;

        Mount(String path, String type, String description, AuthBackend backend) {
            this.path = path;
            this.type = type;
            this.description = description;
            this.backend = backend;
        }
    }

    private final Clock clock;
    private final Tokens tokens;
    private final Acl acl;
    private final Map<String, Mount> mounts = new TreeMap<>();

    AuthMounts(Clock clock, Tokens tokens, Acl acl) {
        this.clock = clock;
        this.tokens = tokens;
        this.acl = acl;
        mounts.put("token", new Mount("token", "token", "token based credentials", null));
    }

    /** Enables an auth method; 400 in Vault's words for a used path or an unknown type. */
    Mount enable(String path, String type, String description) {
        String p = Answer.trimSlashes(path);
        if (p.isEmpty())
            throw VaultError.badRequest("path cannot be empty");
        for (String existing : mounts.keySet()) {
            if (p.equals(existing) || p.startsWith(existing + "/") || existing.startsWith(p + "/")) {
                throw VaultError.badRequest("path is already in use at " + existing + "/");
            }
        }
        AuthBackend backend = switch (type) {
            case "approle" -> new AppRoleAuth(p, clock, tokens, acl);
            case "kubernetes" -> new KubernetesAuth(p, tokens, acl);
            case "" -> throw VaultError.badRequest("backend type must be specified as a string");
            // The emulator implements these two; a real Vault would know more types.
            default -> throw VaultError.badRequest("plugin not found in the catalog: " + type);
        };
        Mount m = new Mount(p, type, description, backend);
        mounts.put(p, m);
        return m;
    }

    /** The backend of this type at this path, enabling it first if the path is free (the Java API's shortcut). */
    <T extends AuthBackend> T ensure(String path, String type, Class<T> kind) {
        Mount m = mounts.get(path);
        if (m == null)
            m = enable(path, type, "");
        if (!kind.isInstance(m.backend))
            throw new IllegalStateException("auth/" + path + " is not " + kind.getSimpleName());
        return kind.cast(m.backend);
    }

    /** The backend of this type at this path, or null. */
    <T extends AuthBackend> T find(String path, Class<T> kind) {
        Mount m = mounts.get(path);
        return m != null && kind.isInstance(m.backend) ? kind.cast(m.backend) : null;
    }

    /** The mount a path after {@code auth/} lies under (the longest match), or null. */
    Mount mountOf(String rest) {
        Mount best = null;
        for (Mount m : mounts.values()) {
            if ((rest.equals(m.path) || rest.startsWith(m.path + "/"))
                    && (best == null || m.path.length() > best.path.length()))
                best = m;
        }
        return best;
    }

    /** {@code GET sys/auth}. */
    Answer list(Request req, Tokens.Token token) {
        if (!req.method.equals("GET"))
            throw VaultError.unsupported();
        acl.require(token, req.path, "read");
        ObjectNode table = Answer.JSON.createObjectNode();
        mounts.values().forEach(m -> table.set(m.path + "/", info(m)));
        return Answer.okFlat(table);
    }

    /** {@code sys/auth/<path>} (enable, disable, read) and {@code sys/auth/<path>/tune}. */
    Answer handle(Request req, Tokens.Token token) {
        String rest = req.path.substring("sys/auth/".length());
        if (rest.endsWith("/tune"))
            return tune(req, rest.substring(0, rest.length() - "/tune".length()), token);
        String p = Answer.trimSlashes(rest);
        switch (req.method) {
            case "GET" -> {
                acl.requireSudo(token, req.path, "read");
                Mount m = mounts.get(p);
                if (m == null)
                    throw VaultError.badRequest("No auth engine at " + p + "/");
                return Answer.ok(info(m));
            }
            case "POST", "PUT" -> {
                acl.requireSudo(token, req.path, "update");
                JsonNode b = req.body();
                enable(p, b.path("type").asText(""), b.path("description").asText(""));
                return Answer.noContent();
            }
            case "DELETE" -> {
                acl.requireSudo(token, req.path, "delete");
                if (p.equals("token"))
                    throw VaultError.badRequest("token credential backend cannot be disabled");
                // Idempotent, as in Vault; the tokens its logins issued go with it.
                if (mounts.remove(p) != null)
                    tokens.revokeIssuedAt("auth/" + p + "/login");
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }

    private Answer tune(Request req, String path, Tokens.Token token) {
        Mount m = mounts.get(Answer.trimSlashes(path));
        if (req.method.equals("GET")) {
            acl.requireSudo(token, req.path, "read");
            if (m == null)
                throw VaultError.badRequest("cannot fetch mount entry for \"" + Answer.trimSlashes(path) + "/\"");
            return Answer.ok(tuneInfo(m.description));
        }
        if (!req.isWrite())
            throw VaultError.unsupported();
        acl.requireSudo(token, req.path, "update");
        if (m == null)
            throw VaultError.badRequest("cannot fetch mount entry for \"" + Answer.trimSlashes(path) + "/\"");
        JsonNode b = req.body();
        if (b.has("description"))
            m.description = b.get("description").asText("");
        return Answer.noContent();
    }

    /** The tune view both mount tables share: TTLs (the emulator keeps Vault's 32-day defaults) and description. */
    static ObjectNode tuneInfo(String description) {
        ObjectNode d = Answer.JSON.createObjectNode();
        d.put("default_lease_ttl", 2_764_800);
        d.put("description", description);
        d.put("force_no_cache", false);
        d.put("max_lease_ttl", 2_764_800);
        return d;
    }

    private static ObjectNode info(Mount m) {
        ObjectNode o = Answer.JSON.createObjectNode();
        o.put("accessor", "auth_" + m.type + "_" + Integer.toHexString(m.path.hashCode()));
        ObjectNode config = o.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        config.put("token_type", "default-service");
        if (!m.type.equals("token"))
            o.put("deprecation_status", "supported");
        o.put("description", m.description);
        o.put("external_entropy_access", false);
        o.put("local", false);
        o.putNull("options");
        o.put("plugin_version", "");
        o.put("running_plugin_version", "v" + VaultEmulator.VERSION.replaceAll("\\+.*", "") + "+builtin.vault");
        o.put("running_sha256", "");
        o.put("seal_wrap", false);
        o.put("type", m.type);
        o.put("uuid", UUID.nameUUIDFromBytes(("auth/" + m.path).getBytes(StandardCharsets.UTF_8)).toString());
        return o;
    }
}
