package dev.patrol.vault;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.patrol.Instants;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;

/**
 * {@link SecretStore} on KV v2 through {@code vault-java-driver} 6.2.1. Paths:
 * records at {@code <kv-mount>/data/<path-prefix>/<connection>}, state documents and the sweep lock
 * at {@code <kv-mount>/data/<path-prefix>-state/<name>}. The driver returns 4xx from read/write/list
 * as responses, so every status is checked here and turned into a
 * {@link VaultClientException}; {@code logical().delete(path)} is never used (it destroys metadata).
 */
public final class VaultSecretStore implements SecretStore {

    private final VaultSession session;
    private final VaultPaths paths;

    public VaultSecretStore(VaultSession session, VaultPaths paths) {
        this.session = session;
        this.paths = paths;
    }

    // --- records ---

    @Override
    public Optional<Versioned<TokenRecord>> current(String connection) {
        return read(paths.recordForDriver(connection), paths.record(connection), null).filter(VaultSecretStore::holdsSecret)
                .map(v -> new Versioned<>(TokenRecord.fromFields(v.value()), v.version(), v.createdTime()));
    }

    @Override
    public Optional<Versioned<TokenRecord>> version(String connection, long version) {
        return read(paths.recordForDriver(connection), paths.record(connection), version).filter(VaultSecretStore::holdsSecret)
                .map(v -> new Versioned<>(TokenRecord.fromFields(v.value()), v.version(), v.createdTime()));
    }

    /** A revocation's fence (a version written without a secret, then destroyed) is no record: nothing to serve. */
    private static boolean holdsSecret(Versioned<Map<String, String>> v) {
        String token = v.value().get("token");
        return token != null && !token.isEmpty();
    }

    @Override
    public long currentVersion(String connection) {
        return metadata(paths.recordMetadata(connection)).map(m -> m.getLong("current_version", 0)).orElse(0L);
    }

    @Override
    public long write(String connection, TokenRecord record, long expectedVersion) {
        return write(paths.recordForDriver(connection), paths.record(connection), record.toFields(), expectedVersion);
    }

    @Override
    public void destroyAll(String connection) {
        String path = paths.recordForDriver(connection);
        Optional<JsonObject> meta = metadata(paths.recordMetadata(connection));
        if (meta.isEmpty())
            return;
        List<Integer> versions = new ArrayList<>();
        JsonValue vs = meta.get().get("versions");
        if (vs != null && vs.isObject()) {
            for (String n : vs.asObject().names()) {
                if (!vs.asObject().get(n).asObject().getBoolean("destroyed", false))
                    versions.add(Integer.parseInt(n));
            }
        }
        if (versions.isEmpty())
            return;
        try {
            session.kv().logical().destroy(path, versions.stream().mapToInt(Integer::intValue).toArray());
        } catch (VaultException e) {
            throw VaultLogin.failure("destroy", paths.kvMount() + "/destroy/" + paths.pathPrefix() + "/" + connection, e);
        }
    }

    // --- state ---

    @Override
    public Optional<Versioned<Map<String, String>>> state(String name) {
        return read(paths.stateForDriver(name), paths.state(name), null);
    }

    @Override
    public long writeState(String name, Map<String, String> state, long expectedVersion) {
        return write(paths.stateForDriver(name), paths.state(name), state, expectedVersion);
    }

    @Override
    public List<String> connections() {
        String path = paths.kvMount() + "/" + paths.pathPrefix();
        try {
            LogicalResponse r = session.kv().logical().list(path);
            int status = r.getRestResponse().getStatus();
            if (status == 404)
                return List.of();
            check("list", paths.records(), r);
            return r.getListData().stream().filter(k -> !k.endsWith("/")).sorted().toList();
        } catch (VaultException e) {
            throw VaultLogin.failure("list", paths.records(), e);
        }
    }

    // --- history ---

    @Override
    public List<VersionInfo> versions(String connection) {
        return versionsOf(paths.recordMetadata(connection));
    }

    @Override
    public List<VersionInfo> stateVersions(String name) {
        return versionsOf(paths.stateMetadata(name));
    }

    @Override
    public Optional<Versioned<Map<String, String>>> stateVersion(String name, long version) {
        return read(paths.stateForDriver(name), paths.state(name), version);
    }

    private List<VersionInfo> versionsOf(String metadataPath) {
        Optional<JsonObject> meta = metadata(metadataPath);
        if (meta.isEmpty())
            return List.of();
        JsonValue vs = meta.get().get("versions");
        List<VersionInfo> out = new ArrayList<>();
        if (vs == null || !vs.isObject())
            return out;
        for (String n : vs.asObject().names()) {
            JsonObject v = vs.asObject().get(n).asObject();
            out.add(new VersionInfo(Long.parseLong(n), Instants.parseOrNull(v.getString("created_time", "")),
                    Instants.parseOrNull(v.getString("deletion_time", "")),
                    v.getBoolean("destroyed", false)));
        }
        out.sort(java.util.Comparator.comparingLong(VersionInfo::version));
        return out;
    }

    // --- plumbing ---

    private Optional<Versioned<Map<String, String>>> read(String path, String api, Long version) {
        try {
            LogicalResponse r = version == null ? session.kv().logical().read(path)
                    : session.kv().logical().read(path, false, version.intValue());
            int status = r.getRestResponse().getStatus();
            if (status == 404)
                return Optional.empty();
            check("read", api, r);
            Map<String, String> data = new LinkedHashMap<>(r.getData());
            long v = r.getDataMetadata() == null || r.getDataMetadata().getVersion() == null ? 0
                    : r.getDataMetadata().getVersion();
            String created = r.getDataMetadata() == null ? null : r.getDataMetadata().getMetadataMap().get("created_time");
            return Optional.of(new Versioned<>(data, v, created == null || created.isEmpty() ? null : Instant.parse(created)));
        } catch (VaultException e) {
            throw VaultLogin.failure("read", api, e);
        }
    }

    private long write(String path, String api, Map<String, String> fields, long expectedVersion) {
        try {
            Map<String, Object> data = new LinkedHashMap<>(fields);
            LogicalResponse r = session.kv().logical().write(path, data, null,
                    new WriteOptions().checkAndSet(expectedVersion).build());
            int status = r.getRestResponse().getStatus();
            if (status == 400) {
                List<String> errors = VaultErrors.from(r.getRestResponse().getBody());
                if (errors.stream().anyMatch(m -> m.contains("check-and-set")))
                    throw new CasConflictException(api, errors);
            }
            check("write", api, r);
            return Long.parseLong(r.getData().getOrDefault("version", "0"));
        } catch (VaultException e) {
            throw VaultLogin.failure("write", api, e);
        }
    }

    private Optional<JsonObject> metadata(String api) {
        try {
            LogicalResponse r = session.raw().logical().read(api);
            int status = r.getRestResponse().getStatus();
            if (status == 404)
                return Optional.empty();
            check("read metadata", api, r);
            return Optional.of(r.getDataObject());
        } catch (VaultException e) {
            throw VaultLogin.failure("read metadata", api, e);
        }
    }

    private static void check(String operation, String api, LogicalResponse r) {
        int status = r.getRestResponse().getStatus();
        if (status >= 200 && status < 300)
            return;
        throw new VaultClientException(operation, api, status, VaultErrors.from(r.getRestResponse().getBody()), null);
    }
}
