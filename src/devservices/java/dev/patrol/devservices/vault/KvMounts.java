package dev.patrol.devservices.vault;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The KV secret engines: the mount table ({@code sys/mounts}: list, enable, disable, tune; the
 * CLI's preflight {@code sys/internal/ui/mounts}) and each KV v2 mount's data, version and metadata
 * endpoints over a {@link KvStore}. A KV v1 mount can be enabled and upgraded (what
 * {@code vault kv enable-versioning} does) but serves nothing until then. Callers hold the
 * emulator's lock.
 */
final class KvMounts {

    /** Paths Vault keeps for itself. */
    private static final List<String> RESERVED = List.of("sys", "auth", "cubbyhole", "identity");

    static final class Mount {
        final String path;
        int version;
        String description;
        KvStore store;

        Mount(String path, int version, String description, KvStore store) {
            this.path = path;
            this.version = version;
            this.description = description;
            this.store = store;
        }
    }

    private final Clock clock;
    private final Acl acl;
    private final Map<String, Mount> mounts = new TreeMap<>();

    KvMounts(Clock clock, Acl acl) {
        this.clock = clock;
        this.acl = acl;
    }

    void mount(String path) {
        String p = Answer.trimSlashes(path);
        mounts.putIfAbsent(p, new Mount(p, 2, "key/value secret storage", new KvStore(Answer.JSON, clock)));
    }

    /** The mount a path lies under (the longest match), or null. */
    String mountOf(String path) {
        String best = null;
        for (String mount : mounts.keySet()) {
            if ((path.equals(mount) || path.startsWith(mount + "/")) && (best == null || mount.length() > best.length()))
                best = mount;
        }
        return best;
    }

    /** {@code GET sys/mounts}. */
    Answer list(Request req, Tokens.Token token) {
        if (!req.method.equals("GET"))
            throw VaultError.unsupported();
        acl.require(token, req.path, "read");
        ObjectNode table = Answer.JSON.createObjectNode();
        mounts.keySet().forEach(m -> table.set(m + "/", mountInfo(m)));
        return Answer.okFlat(table);
    }

    /** {@code sys/mounts/<path>} (enable, disable, read) and {@code sys/mounts/<path>/tune}. */
    Answer configure(Request req, Tokens.Token token) {
        String rest = req.path.substring("sys/mounts/".length());
        if (rest.endsWith("/tune"))
            return tune(req, Answer.trimSlashes(rest.substring(0, rest.length() - "/tune".length())), token);
        String p = Answer.trimSlashes(rest);
        switch (req.method) {
            case "GET" -> {
                acl.require(token, req.path, "read");
                if (!mounts.containsKey(p))
                    throw VaultError.badRequest("No secret engine mount at " + p + "/");
                return Answer.ok(mountInfo(p));
            }
            case "POST", "PUT" -> {
                acl.require(token, req.path, "update");
                enable(p, req.body());
                return Answer.noContent();
            }
            case "DELETE" -> {
                acl.require(token, req.path, "delete");
                mounts.remove(p); // idempotent, as in Vault
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }

    private void enable(String p, JsonNode body) {
        if (p.isEmpty())
            throw VaultError.badRequest("path cannot be empty");
        for (String r : RESERVED) {
            if (p.equals(r) || p.startsWith(r + "/"))
                throw VaultError.badRequest("cannot mount under \"" + r + "/\"");
        }
        for (String existing : mounts.keySet()) {
            if (p.equals(existing) || p.startsWith(existing + "/") || existing.startsWith(p + "/")) {
                throw VaultError.badRequest("path is already in use at " + existing + "/");
            }
        }
        String type = body.path("type").asText("");
        int version;
        switch (type) {
            case "kv" -> version = kvVersion(body.path("options").path("version"), 1);
            case "kv-v2" -> version = 2;
            case "" -> throw VaultError.badRequest("backend type must be specified as a string");
            // The emulator implements KV only; a real Vault would know more engines.
            default -> throw VaultError.badRequest("plugin not found in the catalog: " + type);
        }
        mounts.put(p, new Mount(p, version, body.path("description").asText(""),
                version == 2 ? new KvStore(Answer.JSON, clock) : null));
    }

    private static int kvVersion(JsonNode n, int dflt) {
        String v = n.isMissingNode() || n.isNull() ? "" : n.asText().trim();
        if (v.isEmpty())
            return dflt;
        if (v.equals("1") || v.equals("2"))
            return Integer.parseInt(v);
        throw VaultError.badRequest("invalid version \"" + v + "\"");
    }

    /** {@code sys/mounts/<path>/tune}: read, or change the description or the KV version (1 to 2 only). */
    private Answer tune(Request req, String p, Tokens.Token token) {
        Mount m = mounts.get(p);
        if (req.method.equals("GET")) {
            acl.require(token, req.path, "read");
            if (m == null)
                throw VaultError.badRequest("cannot fetch mount entry for \"" + p + "/\"");
            ObjectNode d = AuthMounts.tuneInfo(m.description);
            d.putObject("options").put("version", Integer.toString(m.version));
            return Answer.ok(d);
        }
        if (!req.isWrite())
            throw VaultError.unsupported();
        acl.require(token, req.path, "update");
        if (m == null)
            throw VaultError.badRequest("cannot fetch mount entry for \"" + p + "/\"");
        JsonNode b = req.body();
        int wanted = kvVersion(b.path("options").path("version"), m.version);
        if (wanted < m.version)
            throw VaultError.badRequest("cannot downgrade mount from version " + m.version);
        if (b.has("description"))
            m.description = b.get("description").asText("");
        if (wanted == m.version)
            return Answer.noContent();
        // A v1 mount holds no data in the emulator, so the upgrade starts an empty v2 store.
        m.version = wanted;
        m.store = new KvStore(Answer.JSON, clock);
        ObjectNode top = Answer.envelope(null);
        top.putArray("warnings").add(
                "Upgrading mount from version 1 to version 2. This mount will be unavailable for a brief period and will resume service shortly.");
        return new Answer(200, top);
    }

    /** {@code GET sys/internal/ui/mounts/<path>}: which mount serves a path, for callers with some access under it. */
    Answer uiMounts(String target, Tokens.Token token) {
        String p = Answer.trimSlashes(target);
        String mount = mountOf(p);
        if (mount == null || !acl.anyAccessUnder(token, mount)) {
            throw new VaultError(403,
                    List.of("preflight capability check returned 403, please ensure client's policies grant access to path \""
                            + p + "/\""));
        }
        return Answer.ok(mountInfo(mount));
    }

    private ObjectNode mountInfo(String mount) {
        Mount entry = mounts.get(mount);
        ObjectNode m = Answer.JSON.createObjectNode();
        m.put("accessor", "kv_" + Integer.toHexString(mount.hashCode()));
        ObjectNode config = m.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        m.put("description", entry.description);
        m.put("external_entropy_access", false);
        m.put("local", false);
        m.putObject("options").put("version", Integer.toString(entry.version));
        m.put("path", mount + "/");
        m.put("seal_wrap", false);
        m.put("type", "kv");
        m.put("uuid", UUID.nameUUIDFromBytes(mount.getBytes(StandardCharsets.UTF_8)).toString());
        return m;
    }

    /** A request under a mount: {@code <mount>/config|data|delete|undelete|destroy|metadata/...}. */
    Answer handle(Request req, String mount, Tokens.Token token) {
        KvStore store = mounts.get(mount).store;
        if (store == null) {
            throw VaultError.badRequest(
                    "the emulator serves KV version 2 only; upgrade " + mount + "/ with vault kv enable-versioning");
        }
        String full = req.path;
        String rest = full.equals(mount) ? "" : full.substring(mount.length() + 1);
        String method = req.method;
        int slash = rest.indexOf('/');
        String op = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : Answer.trimSlashes(rest.substring(slash + 1));
        switch (op) {
            case "config" -> {
                if (method.equals("GET")) {
                    acl.require(token, full, "read");
                    return Answer.ok(store.config());
                }
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, full, "update");
                store.writeConfig(req.body());
                return Answer.noContent();
            }
            case "data" -> {
                if (key.isEmpty())
                    throw VaultError.unsupported();
                return data(req, store, full, key, token);
            }
            case "delete", "undelete", "destroy" -> {
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, full, "update");
                JsonNode versions = req.body().get("versions");
                if (versions == null || !versions.isArray() || versions.isEmpty())
                    throw VaultError.badRequest("No version number provided");
                List<Integer> vs = new ArrayList<>();
                versions.forEach(v -> vs.add(v.asInt()));
                switch (op) {
                    case "delete" -> store.delete(key, vs);
                    case "undelete" -> store.undelete(key, vs);
                    default -> store.destroy(key, vs);
                }
                return Answer.noContent();
            }
            case "metadata" -> {
                switch (method) {
                    case "LIST" -> {
                        acl.require(token, full, "list");
                        return Answer.keys(store.list(key));
                    }
                    case "GET" -> {
                        acl.require(token, full, "read");
                        return Answer.ok(store.metadata(key));
                    }
                    case "POST", "PUT" -> {
                        acl.require(token, full, store.exists(key) ? "update" : "create");
                        store.writeMetadata(key, req.body());
                        return Answer.noContent();
                    }
                    case "DELETE" -> {
                        acl.require(token, full, "delete");
                        store.deleteMetadata(key);
                        return Answer.noContent();
                    }
                    default -> throw VaultError.unsupported();
                }
            }
            default -> throw VaultError.noRoute(full);
        }
    }

    private Answer data(Request req, KvStore store, String full, String key, Tokens.Token token) {
        switch (req.method) {
            case "GET" -> {
                acl.require(token, full, "read");
                Integer version = null;
                if (req.query.containsKey("version")) {
                    try {
                        version = Integer.parseInt(req.query.get("version"));
                    } catch (NumberFormatException e) {
                        throw VaultError.badRequest("error converting input for field \"version\"");
                    }
                }
                KvStore.Read r = store.read(key, version);
                return new Answer(r.gone() ? 404 : 200, Answer.envelope(r.body()));
            }
            case "POST", "PUT" -> {
                acl.require(token, full, store.exists(key) ? "update" : "create");
                return Answer.ok(store.write(key, req.body()));
            }
            case "PATCH" -> {
                acl.require(token, full, "patch");
                JsonNode b = req.body();
                KvStore.Read current;
                try {
                    current = store.read(key, null);
                } catch (VaultError e) {
                    throw VaultError.notFound();
                }
                if (current.gone())
                    throw VaultError.notFound();
                ObjectNode merged = (ObjectNode) current.body().get("data").deepCopy();
                JsonNode patch = b.path("data");
                if (!patch.isObject())
                    throw VaultError.badRequest("no data provided");
                patch.fields().forEachRemaining(e -> {
                    if (e.getValue().isNull())
                        merged.remove(e.getKey());
                    else
                        merged.set(e.getKey(), e.getValue());
                });
                ObjectNode write = Answer.JSON.createObjectNode();
                write.set("data", merged);
                if (b.has("options"))
                    write.set("options", b.get("options"));
                return Answer.ok(store.write(key, write));
            }
            case "DELETE" -> {
                acl.require(token, full, "delete");
                store.deleteLatest(key);
                return Answer.noContent();
            }
            default -> throw VaultError.unsupported();
        }
    }
}
