package dev.patrol.devservices.vault;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One KV v2 mount's state machine: versions with check-and-set, trimming to
 * {@code max_versions}, soft delete, undelete, destroy, and key metadata. Callers hold the emulator's
 * lock; answers are the {@code data} objects of Vault's responses.
 */
final class KvStore {

    static final int DEFAULT_MAX_VERSIONS = 10;

    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, Key> keys = new TreeMap<>();
    int engineMaxVersions;
    boolean engineCasRequired;
    Duration engineDeleteVersionAfter = Duration.ZERO;

    static final class Version {
        final Instant created;
        Instant deletion;
        boolean destroyed;
        JsonNode data;

        Version(Instant created, JsonNode data) {
            this.created = created;
            this.data = data;
        }
    }

    static final class Key {
        final Instant created;
        Instant updated;
        int currentVersion;
        int maxVersions;
        boolean casRequired;
        Duration deleteVersionAfter = Duration.ZERO;
        ObjectNode customMetadata;
        final TreeMap<Integer, Version> versions = new TreeMap<>();

        Key(Instant created) {
            this.created = created;
            this.updated = created;
        }
    }

    KvStore(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    boolean exists(String key) {
        return keys.containsKey(key);
    }

    // --- data ---

    ObjectNode write(String key, JsonNode body) {
        JsonNode data = body.get("data");
        if (data == null || data.isNull())
            throw VaultError.badRequest("no data provided");
        if (!data.isObject()) {
            throw VaultError
                    .badRequest("error converting input for field \"data\": '' expected a map, got '" + jsonType(data) + "'");
        }
        JsonNode options = body.path("options");
        Key k = keys.get(key);
        int current = k == null ? 0 : k.currentVersion;
        JsonNode cas = options.get("cas");
        boolean casRequired = engineCasRequired || (k != null && k.casRequired);
        if (cas != null && !cas.isNull()) {
            if (!cas.canConvertToInt() || cas.asInt() != current) {
                throw VaultError.badRequest("check-and-set parameter did not match the current version");
            }
        } else if (casRequired) {
            throw VaultError.badRequest("check-and-set parameter required for this call");
        }
        Instant now = clock.instant();
        if (k == null) {
            k = new Key(now);
            keys.put(key, k);
        }
        k.currentVersion = current + 1;
        k.updated = now;
        Version v = new Version(now, data.deepCopy());
        Duration after = !k.deleteVersionAfter.isZero() ? k.deleteVersionAfter : engineDeleteVersionAfter;
        if (!after.isZero())
            v.deletion = now.plus(after);
        k.versions.put(k.currentVersion, v);
        int max = k.maxVersions > 0 ? k.maxVersions : engineMaxVersions > 0 ? engineMaxVersions : DEFAULT_MAX_VERSIONS;
        while (k.versions.size() > max)
            k.versions.pollFirstEntry();
        return versionMetadata(k, k.currentVersion, v);
    }

    /** A version's data and metadata; soft-deleted and destroyed versions come back with null data (and a 404 status). */
    record Read(ObjectNode body, boolean gone) {
    }

    Read read(String key, Integer version) {
        Key k = keys.get(key);
        if (k == null)
            throw VaultError.notFound();
        int n = version == null || version == 0 ? k.currentVersion : version;
        Version v = k.versions.get(n);
        if (v == null)
            throw VaultError.notFound();
        ObjectNode body = json.createObjectNode();
        boolean gone = v.destroyed || (v.deletion != null && !v.deletion.isAfter(clock.instant()));
        if (gone)
            body.putNull("data");
        else
            body.set("data", v.data.deepCopy());
        body.set("metadata", versionMetadata(k, n, v));
        return new Read(body, gone);
    }

    private ObjectNode versionMetadata(Key k, int n, Version v) {
        ObjectNode m = json.createObjectNode();
        m.put("created_time", v.created.toString());
        if (k.customMetadata == null)
            m.putNull("custom_metadata");
        else
            m.set("custom_metadata", k.customMetadata.deepCopy());
        m.put("deletion_time", v.deletion == null ? "" : v.deletion.toString());
        m.put("destroyed", v.destroyed);
        m.put("version", n);
        return m;
    }

    /** Soft-deletes the latest version ({@code DELETE .../data/...}). */
    void deleteLatest(String key) {
        Key k = keys.get(key);
        if (k == null)
            return;
        Version v = k.versions.get(k.currentVersion);
        if (v != null && v.deletion == null && !v.destroyed)
            v.deletion = clock.instant();
    }

    void delete(String key, List<Integer> versions) {
        Key k = keys.get(key);
        if (k == null)
            return;
        for (int n : versions) {
            Version v = k.versions.get(n);
            if (v != null && !v.destroyed && (v.deletion == null || v.deletion.isAfter(clock.instant())))
                v.deletion = clock.instant();
        }
    }

    void undelete(String key, List<Integer> versions) {
        Key k = keys.get(key);
        if (k == null)
            return;
        for (int n : versions) {
            Version v = k.versions.get(n);
            if (v != null && !v.destroyed)
                v.deletion = null;
        }
    }

    void destroy(String key, List<Integer> versions) {
        Key k = keys.get(key);
        if (k == null)
            return;
        for (int n : versions) {
            Version v = k.versions.get(n);
            if (v != null) {
                v.destroyed = true;
                v.data = null;
            }
        }
    }

    // --- metadata ---

    ObjectNode metadata(String key) {
        Key k = keys.get(key);
        if (k == null)
            throw VaultError.notFound();
        ObjectNode m = json.createObjectNode();
        m.put("cas_required", k.casRequired);
        m.put("created_time", k.created.toString());
        m.put("current_version", k.currentVersion);
        if (k.customMetadata == null)
            m.putNull("custom_metadata");
        else
            m.set("custom_metadata", k.customMetadata.deepCopy());
        m.put("delete_version_after", k.deleteVersionAfter.toSeconds() + "s");
        m.put("max_versions", k.maxVersions);
        m.put("oldest_version", k.versions.isEmpty() ? 0 : k.versions.firstKey());
        m.put("updated_time", k.updated.toString());
        ObjectNode versions = m.putObject("versions");
        k.versions.forEach((n, v) -> {
            ObjectNode o = versions.putObject(Integer.toString(n));
            o.put("created_time", v.created.toString());
            o.put("deletion_time", v.deletion == null ? "" : v.deletion.toString());
            o.put("destroyed", v.destroyed);
        });
        return m;
    }

    void writeMetadata(String key, JsonNode body) {
        Integer max = null;
        Boolean cas = null;
        Duration after = null;
        ObjectNode custom = null;
        if (body.has("max_versions")) {
            JsonNode n = body.get("max_versions");
            if (!n.canConvertToInt() || n.asInt() < 0)
                throw VaultError.badRequest("max_versions must be a non-negative integer");
            max = n.asInt();
        }
        if (body.has("cas_required"))
            cas = body.get("cas_required").asBoolean();
        if (body.has("delete_version_after"))
            after = parseDuration(body.get("delete_version_after"));
        if (body.has("custom_metadata")) {
            JsonNode c = body.get("custom_metadata");
            if (!c.isObject())
                throw VaultError.badRequest("custom_metadata validation failed: expected a map");
            List<String> problems = new ArrayList<>();
            if (c.size() > 64)
                problems.add("payload must contain at most 64 keys");
            c.fields().forEachRemaining(e -> {
                if (e.getKey().length() > 128)
                    problems.add("length of key \"" + e.getKey() + "\" is greater than 128");
                if (!e.getValue().isTextual())
                    problems.add("value of key \"" + e.getKey() + "\" is not a string");
                else if (e.getValue().asText().length() > 512)
                    problems.add("length of value for key \"" + e.getKey() + "\" is greater than 512");
            });
            if (!problems.isEmpty())
                throw VaultError.badRequest("custom_metadata validation failed: " + String.join("; ", problems));
            custom = (ObjectNode) c.deepCopy();
        }
        Key k = keys.computeIfAbsent(key, x -> new Key(clock.instant()));
        if (max != null)
            k.maxVersions = max;
        if (cas != null)
            k.casRequired = cas;
        if (after != null)
            k.deleteVersionAfter = after;
        if (custom != null)
            k.customMetadata = custom;
        k.updated = clock.instant();
        if (k.maxVersions > 0)
            while (k.versions.size() > k.maxVersions)
                k.versions.pollFirstEntry();
    }

    void deleteMetadata(String key) {
        keys.remove(key);
    }

    /** Immediate children of a folder ({@code ""} is the root); sub-folders end with {@code /}. */
    List<String> list(String folder) {
        String prefix = folder.isEmpty() || folder.endsWith("/") ? folder : folder + "/";
        TreeSet<String> out = new TreeSet<>();
        for (String key : keys.keySet()) {
            if (!key.startsWith(prefix))
                continue;
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            out.add(slash < 0 ? rest : rest.substring(0, slash + 1));
        }
        if (out.isEmpty())
            throw VaultError.notFound();
        return new ArrayList<>(out);
    }

    ObjectNode config() {
        ObjectNode c = json.createObjectNode();
        c.put("cas_required", engineCasRequired);
        c.put("delete_version_after", engineDeleteVersionAfter.toSeconds() + "s");
        c.put("max_versions", engineMaxVersions);
        return c;
    }

    void writeConfig(JsonNode body) {
        if (body.has("max_versions"))
            engineMaxVersions = body.get("max_versions").asInt();
        if (body.has("cas_required"))
            engineCasRequired = body.get("cas_required").asBoolean();
        if (body.has("delete_version_after"))
            engineDeleteVersionAfter = parseDuration(body.get("delete_version_after"));
    }

    static Duration parseDuration(JsonNode n) {
        if (n.isNumber())
            return Duration.ofSeconds(n.asLong());
        String s = n.asText().trim();
        try {
            if (s.matches("\\d+"))
                return Duration.ofSeconds(Long.parseLong(s));
            Duration total = Duration.ZERO;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(s);
            int consumed = 0;
            while (m.find()) {
                if (m.start() != consumed)
                    throw new IllegalArgumentException();
                consumed = m.end();
                long v = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(v);
                    case "s" -> Duration.ofSeconds(v);
                    case "m" -> Duration.ofMinutes(v);
                    case "h" -> Duration.ofHours(v);
                    default -> Duration.ofDays(v);
                });
            }
            if (consumed != s.length() || s.isEmpty())
                throw new IllegalArgumentException();
            return total;
        } catch (IllegalArgumentException e) {
            throw VaultError.badRequest("invalid duration \"" + s + "\"");
        }
    }

    private static String jsonType(JsonNode n) {
        return n.isTextual() ? "string"
                : n.isArray() ? "[]interface {}" : n.isNumber() ? "json.Number" : n.isBoolean() ? "bool" : "unknown";
    }
}
