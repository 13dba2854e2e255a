package dev.patrol.vault;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link SecretStore} on KV v2 through {@code vault-java-driver} 6.2.1. Paths (design §3):
 * records at {@code <kv-mount>/data/<path-prefix>/<connection>}, state documents and the sweep lock
 * at {@code <kv-mount>/data/<path-prefix>-state/<name>}. The driver returns 4xx from read/write/list
 * as responses (vault.md §2.3), so every status is checked here and turned into a
 * {@link VaultClientException}; {@code logical().delete(path)} is never used (it destroys metadata).
 */
public final class VaultSecretStore implements SecretStore {

    private final VaultSession session;
    private final String mount;
    private final String prefix;

    public VaultSecretStore(VaultSession session, String kvMount, String pathPrefix) {
        this.session = session;
        this.mount = trim(kvMount);
        this.prefix = trim(pathPrefix);
    }

    private static String trim(String s) {
        return s.replaceAll("^/+|/+$", "");
    }

    /** The driver's KV v2 path for a record (it inserts {@code data/} itself). */
    String recordPath(String connection) {
        return mount + "/" + prefix + "/" + connection;
    }

    String statePath(String name) {
        return mount + "/" + prefix + "-state/" + name;
    }

    /** The API path, as policies and capability checks name it. */
    public String recordApiPath(String connection) {
        return mount + "/data/" + prefix + "/" + connection;
    }

    public String listApiPath() {
        return mount + "/metadata/" + prefix;
    }

    private String metadataPath(String kvPath) {
        return mount + "/metadata/" + kvPath.substring(mount.length() + 1);
    }

    // --- records ---

    @Override
    public Optional<Versioned<TokenRecord>> current(String connection) {
        return read(recordPath(connection), null).map(v -> new Versioned<>(TokenRecord.fromFields(v.value()), v.version(), v.createdTime()));
    }

    @Override
    public Optional<Versioned<TokenRecord>> version(String connection, long version) {
        return read(recordPath(connection), version).map(v -> new Versioned<>(TokenRecord.fromFields(v.value()), v.version(), v.createdTime()));
    }

    @Override
    public long currentVersion(String connection) {
        return metadata(recordPath(connection)).map(m -> m.getLong("current_version", 0)).orElse(0L);
    }

    @Override
    public long write(String connection, TokenRecord record, long expectedVersion) {
        return write(recordPath(connection), record.toFields(), expectedVersion);
    }

    @Override
    public void destroyAll(String connection) {
        String path = recordPath(connection);
        Optional<JsonObject> meta = metadata(path);
        if (meta.isEmpty()) return;
        List<Integer> versions = new ArrayList<>();
        JsonValue vs = meta.get().get("versions");
        if (vs != null && vs.isObject()) {
            for (String n : vs.asObject().names()) {
                if (!vs.asObject().get(n).asObject().getBoolean("destroyed", false)) versions.add(Integer.parseInt(n));
            }
        }
        if (versions.isEmpty()) return;
        try {
            session.kv().logical().destroy(path, versions.stream().mapToInt(Integer::intValue).toArray());
        } catch (VaultException e) {
            throw VaultLogin.failure("destroy", mount + "/destroy/" + prefix + "/" + connection, e);
        }
    }

    // --- state ---

    @Override
    public Optional<Versioned<Map<String, String>>> state(String name) {
        return read(statePath(name), null);
    }

    @Override
    public long writeState(String name, Map<String, String> state, long expectedVersion) {
        return write(statePath(name), state, expectedVersion);
    }

    @Override
    public List<String> connections() {
        String path = mount + "/" + prefix;
        try {
            LogicalResponse r = session.kv().logical().list(path);
            int status = r.getRestResponse().getStatus();
            if (status == 404) return List.of();
            check("list", listApiPath(), r);
            return r.getListData().stream().filter(k -> !k.endsWith("/")).sorted().toList();
        } catch (VaultException e) {
            throw VaultLogin.failure("list", listApiPath(), e);
        }
    }

    // --- plumbing ---

    private Optional<Versioned<Map<String, String>>> read(String path, Long version) {
        String api = mount + "/data/" + path.substring(mount.length() + 1);
        try {
            LogicalResponse r = version == null ? session.kv().logical().read(path)
                    : session.kv().logical().read(path, false, version.intValue());
            int status = r.getRestResponse().getStatus();
            if (status == 404) return Optional.empty();
            check("read", api, r);
            Map<String, String> data = new LinkedHashMap<>(r.getData());
            long v = r.getDataMetadata() == null || r.getDataMetadata().getVersion() == null ? 0 : r.getDataMetadata().getVersion();
            String created = r.getDataMetadata() == null ? null : r.getDataMetadata().getMetadataMap().get("created_time");
            return Optional.of(new Versioned<>(data, v, created == null || created.isEmpty() ? null : Instant.parse(created)));
        } catch (VaultException e) {
            throw VaultLogin.failure("read", api, e);
        }
    }

    private long write(String path, Map<String, String> fields, long expectedVersion) {
        String api = mount + "/data/" + path.substring(mount.length() + 1);
        try {
            Map<String, Object> data = new LinkedHashMap<>(fields);
            LogicalResponse r = session.kv().logical().write(path, data, null, new WriteOptions().checkAndSet(expectedVersion).build());
            int status = r.getRestResponse().getStatus();
            if (status == 400) {
                List<String> errors = VaultErrors.from(r.getRestResponse().getBody());
                if (errors.stream().anyMatch(m -> m.contains("check-and-set"))) throw new CasConflictException(api, expectedVersion, errors);
            }
            check("write", api, r);
            return Long.parseLong(r.getData().getOrDefault("version", "0"));
        } catch (VaultException e) {
            throw VaultLogin.failure("write", api, e);
        }
    }

    private Optional<JsonObject> metadata(String kvPath) {
        String api = metadataPath(kvPath);
        try {
            LogicalResponse r = session.raw().logical().read(api);
            int status = r.getRestResponse().getStatus();
            if (status == 404) return Optional.empty();
            check("read metadata", api, r);
            return Optional.of(r.getDataObject());
        } catch (VaultException e) {
            throw VaultLogin.failure("read metadata", api, e);
        }
    }

    private static void check(String operation, String api, LogicalResponse r) {
        int status = r.getRestResponse().getStatus();
        if (status >= 200 && status < 300) return;
        throw new VaultClientException(operation, api, status, VaultErrors.from(r.getRestResponse().getBody()), null);
    }
}
