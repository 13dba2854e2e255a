package dev.patrol.vault;

import dev.patrol.config.PatrolConfig;

/**
 * Every Vault path patrol reads, writes or checks a caller's capability on, in one place. The KV
 * mount and path prefix are trimmed of slashes once, so {@code kv-mount=secret/} and
 * {@code secret} name the same paths everywhere.
 * <ul>
 * <li>token records: {@code <kv-mount>/data/<path-prefix>/<connection>} (history in their versions)</li>
 * <li>state documents and the sweep lock: {@code <kv-mount>/data/<path-prefix>-state/<name>}</li>
 * <li>patrol's own capability paths, which hold no data: {@code patrol/connections/<name>/rotate},
 * {@code patrol/connections/<name>/revoke}, {@code patrol/revoke-all}, {@code patrol/reports}</li>
 * </ul>
 */
public record VaultPaths(String kvMount, String pathPrefix) {

    public static final String REVOKE_ALL = "patrol/revoke-all";
    public static final String REPORTS = "patrol/reports";

    public VaultPaths {
        kvMount = trim(kvMount);
        pathPrefix = trim(pathPrefix);
    }

    public static VaultPaths fromConfig(PatrolConfig.Vault v) {
        return new VaultPaths(v.kvMount(), v.pathPrefix());
    }

    private static String trim(String s) {
        return s.replaceAll("^/+|/+$", "");
    }

    /** The API path of a connection's record, as policies and capability checks name it. */
    public String record(String connection) {
        return kvMount + "/data/" + pathPrefix + "/" + connection;
    }

    /** The API path listing the records. */
    public String records() {
        return kvMount + "/metadata/" + pathPrefix;
    }

    public String recordMetadata(String connection) {
        return kvMount + "/metadata/" + pathPrefix + "/" + connection;
    }

    public String state(String name) {
        return kvMount + "/data/" + pathPrefix + "-state/" + name;
    }

    public String stateMetadata(String name) {
        return kvMount + "/metadata/" + pathPrefix + "-state/" + name;
    }

    /** The driver's KV v2 form of a record path (vault-java-driver inserts {@code data/} itself). */
    String recordForDriver(String connection) {
        return kvMount + "/" + pathPrefix + "/" + connection;
    }

    String stateForDriver(String name) {
        return kvMount + "/" + pathPrefix + "-state/" + name;
    }

    public static String rotate(String connection) {
        return "patrol/connections/" + connection + "/rotate";
    }

    public static String revoke(String connection) {
        return "patrol/connections/" + connection + "/revoke";
    }
}
