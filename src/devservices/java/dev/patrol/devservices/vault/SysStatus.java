package dev.patrol.devservices.vault;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The unauthenticated status endpoints, answered even while sealed: {@code sys/health},
 * {@code sys/seal-status} and {@code sys/leader} (the last two are what {@code vault status} reads).
 * The emulator is a single unsealed node with one key share, like {@code vault server -dev}.
 */
final class SysStatus {

    static final String CLUSTER_NAME = "vault-cluster-patrol-dev";
    static final String CLUSTER_ID = "00000000-0000-4000-8000-000000000000";

    private final Clock clock;
    private final VaultFaults faults;

    SysStatus(Clock clock, VaultFaults faults) {
        this.clock = clock;
        this.faults = faults;
    }

    /** The answer for one of the status paths, or null when the path is not one of them. */
    Answer answer(Request req) {
        return switch (req.path) {
            case "sys/health" -> health(req);
            case "sys/seal-status" -> sealStatus(req);
            case "sys/leader" -> leader(req);
            default -> null;
        };
    }

    private Answer health(Request req) {
        if (!req.method.equals("GET") && !req.method.equals("HEAD"))
            throw VaultError.unsupported();
        boolean sealed = faults.sealed();
        int status = sealed ? intParam(req.query, "sealedcode", 503) : intParam(req.query, "activecode", 200);
        ObjectNode h = Answer.JSON.createObjectNode();
        h.put("initialized", true);
        h.put("sealed", sealed);
        h.put("standby", false);
        h.put("performance_standby", false);
        h.put("replication_performance_mode", "disabled");
        h.put("replication_dr_mode", "disabled");
        h.put("server_time_utc", clock.instant().getEpochSecond());
        h.put("version", VaultEmulator.VERSION);
        h.put("cluster_name", CLUSTER_NAME);
        h.put("cluster_id", CLUSTER_ID);
        return new Answer(status, h);
    }

    private Answer sealStatus(Request req) {
        if (!req.method.equals("GET"))
            throw VaultError.unsupported();
        boolean sealed = faults.sealed();
        ObjectNode s = Answer.JSON.createObjectNode();
        s.put("type", "shamir");
        s.put("initialized", true);
        s.put("sealed", sealed);
        s.put("t", 1);
        s.put("n", 1);
        s.put("progress", 0);
        s.put("nonce", "");
        s.put("version", VaultEmulator.VERSION);
        s.put("build_date", "2026-01-01T00:00:00Z");
        s.put("migration", false);
        if (!sealed) {
            s.put("cluster_name", CLUSTER_NAME);
            s.put("cluster_id", CLUSTER_ID);
        }
        s.put("recovery_seal", false);
        s.put("storage_type", "inmem");
        s.put("removed_from_cluster", false);
        return new Answer(200, s);
    }

    private Answer leader(Request req) {
        if (!req.method.equals("GET"))
            throw VaultError.unsupported();
        if (faults.sealed())
            throw new VaultError(503, List.of("Vault is sealed"));
        ObjectNode l = Answer.JSON.createObjectNode();
        l.put("ha_enabled", false);
        l.put("is_self", false);
        l.put("active_time", "0001-01-01T00:00:00Z");
        l.put("leader_address", "");
        l.put("leader_cluster_address", "");
        l.put("performance_standby", false);
        l.put("performance_standby_last_remote_wal", 0);
        return new Answer(200, l);
    }

    private static int intParam(Map<String, String> query, String name, int dflt) {
        try {
            return query.containsKey(name) ? Integer.parseInt(query.get(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
