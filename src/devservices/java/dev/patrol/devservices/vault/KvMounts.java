package dev.patrol.devservices.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The KV v2 secret engines: the mount table ({@code sys/mounts}, the CLI's preflight
 * {@code sys/internal/ui/mounts}) and each mount's data, version and metadata endpoints over a
 * {@link KvStore}. Callers hold the emulator's lock.
 */
final class KvMounts {

    private final Clock clock;
    private final Acl acl;
    private final Map<String, KvStore> mounts = new TreeMap<>();

    KvMounts(Clock clock, Acl acl) {
        this.clock = clock;
        this.acl = acl;
    }

    void mount(String path) {
        mounts.putIfAbsent(Answer.trimSlashes(path), new KvStore(Answer.JSON, clock));
    }

    /** The mount a path lies under, or null. */
    String mountOf(String path) {
        for (String mount : mounts.keySet()) {
            if (path.equals(mount) || path.startsWith(mount + "/")) return mount;
        }
        return null;
    }

    /** {@code GET sys/mounts}. */
    Answer list(Request req, Tokens.Token token) {
        if (!req.method.equals("GET")) throw VaultError.unsupported();
        acl.require(token, req.path, "read");
        ObjectNode table = Answer.JSON.createObjectNode();
        mounts.keySet().forEach(m -> table.set(m + "/", mountInfo(m)));
        return Answer.okFlat(table);
    }

    /** {@code GET sys/internal/ui/mounts/<path>}: which mount serves a path, for callers with some access under it. */
    Answer uiMounts(String target, Tokens.Token token) {
        String p = Answer.trimSlashes(target);
        String mount = mountOf(p);
        if (mount == null || !acl.anyAccessUnder(token, mount)) {
            throw new VaultError(403, List.of("preflight capability check returned 403, please ensure client's policies grant access to path \""
                    + p + "/\""));
        }
        return Answer.ok(mountInfo(mount));
    }

    private ObjectNode mountInfo(String mount) {
        ObjectNode m = Answer.JSON.createObjectNode();
        m.put("accessor", "kv_" + Integer.toHexString(mount.hashCode()));
        ObjectNode config = m.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        m.put("description", "key/value secret storage");
        m.put("external_entropy_access", false);
        m.put("local", false);
        m.putObject("options").put("version", "2");
        m.put("path", mount + "/");
        m.put("seal_wrap", false);
        m.put("type", "kv");
        m.put("uuid", UUID.nameUUIDFromBytes(mount.getBytes(StandardCharsets.UTF_8)).toString());
        return m;
    }

    /** A request under a mount: {@code <mount>/config|data|delete|undelete|destroy|metadata/...}. */
    Answer handle(Request req, String mount, Tokens.Token token) {
        KvStore store = mounts.get(mount);
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
                if (!req.isWrite()) throw VaultError.unsupported();
                acl.require(token, full, "update");
                store.writeConfig(req.body());
                return Answer.noContent();
            }
            case "data" -> {
                if (key.isEmpty()) throw VaultError.unsupported();
                return data(req, store, full, key, token);
            }
            case "delete", "undelete", "destroy" -> {
                if (!req.isWrite()) throw VaultError.unsupported();
                acl.require(token, full, "update");
                JsonNode versions = req.body().get("versions");
                if (versions == null || !versions.isArray() || versions.isEmpty()) throw VaultError.badRequest("No version number provided");
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
                if (current.gone()) throw VaultError.notFound();
                ObjectNode merged = (ObjectNode) current.body().get("data").deepCopy();
                JsonNode patch = b.path("data");
                if (!patch.isObject()) throw VaultError.badRequest("no data provided");
                patch.fields().forEachRemaining(e -> {
                    if (e.getValue().isNull()) merged.remove(e.getKey());
                    else merged.set(e.getKey(), e.getValue());
                });
                ObjectNode write = Answer.JSON.createObjectNode();
                write.set("data", merged);
                if (b.has("options")) write.set("options", b.get("options"));
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
