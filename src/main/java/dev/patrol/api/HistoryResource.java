package dev.patrol.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.patrol.Instants;
import dev.patrol.audit.AuditLog;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.ConnectionState;
import dev.patrol.rotation.RotationPlanner;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.VaultPaths;
import dev.patrol.vault.VersionInfo;
import dev.patrol.vault.Versioned;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A connection's token timeline, from what Vault and Snowflake already hold: each version of the
 * record (token name, creation, expiry, when it was replaced, the end of its grace window or when it
 * was destroyed), revocations, resumptions and guardrail blocks from the state document's versions,
 * and the user's current tokens in Snowflake, patrol's and foreign ones. Never a secret: the record's
 * secret is read with the version but only names and times leave this class.
 */
@Path("/api/v1/connections/{name}/history")
@jakarta.inject.Singleton
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "connections")
public class HistoryResource {

    /** A secret that expires sooner than this is "expiring-soon" (the default alert threshold too). */
    static final Duration EXPIRING_SOON = Duration.ofDays(7);
    /** At most this many of the newest versions of the record and of the state document are read. */
    static final int MAX_VERSIONS = 50;
    private static final int MAX_CACHED = 20_000;
    /** State fields the timeline reads; nothing else of a state document is kept. */
    private static final List<String> STATE_FIELDS = List.of(ConnectionState.SUSPENDED, ConnectionState.SUSPENDED_REASON,
            ConnectionState.SUSPENDED_AT, ConnectionState.SUSPENDED_BY,
            ConnectionState.RESUMED_AT, ConnectionState.RESUMED_BY, ConnectionState.BLOCKED_REASON, ConnectionState.BLOCKED_AT);

    /** What the timeline shows of one record version: names and times, never the secret. */
    record VersionSummary(String tokenName, Instant createdAt, Instant expiresAt) {
    }

    /**
     * KV versions never change once written (only their deletion or destruction, which the metadata
     * tells), so what was read of each is kept: a page refreshing many connections costs Vault the two
     * metadata reads, the current record and state, and only the versions written since. Keyed with
     * the version's creation time in case a key is ever deleted and written anew.
     */
    private final Map<String, Optional<VersionSummary>> records = new ConcurrentHashMap<>();
    private final Map<String, Optional<Map<String, String>>> states = new ConcurrentHashMap<>();

    @Inject
    Callers callers;
    @Inject
    ConnectionRegistry registry;
    @Inject
    SecretStore store;
    @Inject
    Accounts accounts;
    @Inject
    VaultPaths paths;
    @Inject
    AuditLog audit;
    @Inject
    RequestIds requestIds;
    @Inject
    MeterRegistry meters;
    @Inject
    Clock clock;

    @GET
    @Operation(summary = "A connection's token timeline", description = "Each version of the Vault record (token name, "
            + "created, expires, replaced, grace end or destruction), revocations and resumptions with their reasons, "
            + "guardrail blocks, and the user's current Snowflake tokens (patrol's and foreign); never a secret. "
            + "Needs 'read' on patrol/reports (on-call, the status page) or 'read' on <kv-mount>/data/<path-prefix>/{name} "
            + "(the connection's own developers).")
    @APIResponse(responseCode = "200", description = "The timeline; 'snowflake_error' says why Snowflake's side is missing")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token may read neither patrol/reports nor the record")
    @APIResponse(responseCode = "404", description = "No such connection")
    @APIResponse(responseCode = "503", description = "Vault unavailable")
    public Map<String, Object> history(@PathParam("name") String name, @Context HttpHeaders headers) {
        // A name that cannot be a connection never reaches a Vault path.
        if (name == null || !Connection.NAME.matcher(name).matches()) {
            throw ApiException.notFound("No connection by that name: names match " + Connection.NAME.pattern() + ".");
        }
        Callers.Caller caller = authorise(headers, name);
        Connection c = registry.find(name)
                .orElseThrow(() -> ApiException.notFound("No connection named " + name + " is registered."));
        Map<String, Object> out = timeline(c, clock.instant());
        audit.record(new AuditLog.Event("api.history", callers.displayName(caller), name, c.account(), null, null, "success",
                "request " + requestIds.current()));
        return out;
    }

    /** Either capability will do: the reports path first (the page's audience), then the record itself. */
    private Callers.Caller authorise(HttpHeaders headers, String name) {
        try {
            return callers.require(headers, VaultPaths.REPORTS, "read");
        } catch (ApiException e) {
            if (e.status != 403)
                throw e;
        }
        try {
            return callers.require(headers, paths.record(name), "read");
        } catch (ApiException e) {
            if (e.status != 403)
                throw e;
            throw ApiException
                    .forbidden("Your Vault token may read neither " + VaultPaths.REPORTS + " nor " + paths.record(name) + ".");
        }
    }

    Map<String, Object> timeline(Connection c, Instant now) {
        Map<String, String> state = store.state(c.name()).map(Versioned::value).orElse(Map.of());
        Optional<Versioned<TokenRecord>> current = store.current(c.name());
        List<Map<String, Object>> events = events(c.name());
        long failures = consecutiveFailures(c.name());

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connection", c.name());
        m.put("account", c.account());
        m.put("user", c.user());
        m.put("role", c.role());
        m.put("now", now.toString());
        boolean suspended = ConnectionState.suspended(state);
        String blocked = state.get(ConnectionState.BLOCKED_REASON);
        m.put("status", status(suspended, blocked, failures, current.map(r -> r.value().expiresAt()).orElse(null), now));
        m.put("suspended", suspended);
        if (state.get(ConnectionState.SUSPENDED_REASON) != null)
            m.put("suspended_reason", state.get(ConnectionState.SUSPENDED_REASON));
        if (blocked != null)
            m.put("blocked_reason", blocked);
        m.put("change_pending", ConnectionState.from(state, 0).intent().isPresent());
        m.put("consecutive_failures", failures);
        m.put("grace_hours", c.graceHours());
        m.put("expiring_soon_days", EXPIRING_SOON.toDays());
        m.put("current", current.map(r -> {
            Map<String, Object> cur = new LinkedHashMap<>();
            cur.put("version", r.version());
            cur.put("token_name", r.value().tokenName());
            cur.put("created_at", r.value().createdAt().toString());
            cur.put("expires_at", r.value().expiresAt().toString());
            return cur;
        }).orElse(null));
        m.put("versions", versions(c, events));
        m.put("events", events);
        String recorded = current.map(r -> r.value().tokenName()).orElse(null);
        try {
            List<Map<String, Object>> tokens = new ArrayList<>();
            for (PatInfo p : accounts.admin(c).listPats(c.user()))
                tokens.add(token(c, p, recorded));
            m.put("snowflake_tokens", tokens);
        } catch (RuntimeException e) {
            // Vault's side of the story is still worth showing when Snowflake does not answer.
            m.put("snowflake_tokens", List.of());
            m.put("snowflake_error", "Snowflake did not answer SHOW USER PATS: " + e.getClass().getSimpleName());
        }
        return m;
    }

    static String status(boolean suspended, String blocked, long failures, Instant expiresAt, Instant now) {
        if (suspended)
            return "suspended";
        if (blocked != null)
            return "blocked";
        if (failures > 0)
            return "rotation-failing";
        if (expiresAt == null)
            return "no-secret";
        if (!expiresAt.isAfter(now))
            return "expired";
        if (expiresAt.isBefore(now.plus(EXPIRING_SOON)))
            return "expiring-soon";
        return "ok";
    }

    /** The sweeping replica's count; another replica that never swept this connection reports 0. */
    private long consecutiveFailures(String connection) {
        Gauge g = meters.find("patrol.rotation.consecutive.failures").tag("connection", connection).gauge();
        return g == null ? 0 : (long) g.value();
    }

    private List<Map<String, Object>> versions(Connection c, List<Map<String, Object>> events) {
        List<VersionInfo> all = store.versions(c.name());
        List<VersionInfo> vs = all.subList(Math.max(0, all.size() - MAX_VERSIONS), all.size());
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < vs.size(); i++) {
            VersionInfo v = vs.get(i);
            Instant replaced = i + 1 < vs.size() ? vs.get(i + 1).createdTime() : null;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v.version());
            put(m, "written_at", v.createdTime());
            Optional<VersionSummary> r = v.readable()
                    ? cached(records, key(c.name(), v), () -> store.version(c.name(), v.version())
                            .map(x -> new VersionSummary(x.value().tokenName(), x.value().createdAt(), x.value().expiresAt())))
                    : Optional.empty();
            Instant expires = r.map(VersionSummary::expiresAt).orElse(null);
            r.ifPresent(t -> {
                m.put("token_name", t.tokenName());
                m.put("created_at", t.createdAt().toString());
                m.put("expires_at", t.expiresAt().toString());
            });
            put(m, "replaced_at", replaced);
            if (replaced != null) {
                // The previous secret stays valid for the grace window (unless a rotation asked for less).
                Instant graceEnd = replaced.plus(c.grace());
                if (expires != null && expires.isBefore(graceEnd))
                    graceEnd = expires;
                put(m, "grace_until", graceEnd);
            }
            Instant removed = v.destroyed() ? revokedAfter(events, v.createdTime()) : v.deletionTime();
            put(m, "removed_at", removed);
            String status;
            if (v.destroyed())
                status = "destroyed";
            else if (v.deletionTime() != null)
                status = "deleted";
            else if (replaced != null)
                status = "replaced";
            else if (expires != null && !expires.isAfter(clock.instant()))
                status = "expired";
            else
                status = "current";
            m.put("status", status);
            out.add(m);
        }
        return out;
    }

    /**
     * A destroyed version went with the first revocation after it was written (revocation destroys
     * every version); one written after the last revocation began is that revocation's own fence.
     */
    private static Instant revokedAfter(List<Map<String, Object>> events, Instant written) {
        Instant last = null;
        for (Map<String, Object> e : events) {
            if (!"revoked".equals(e.get("kind")) || e.get("at") == null)
                continue;
            Instant at = Instant.parse((String) e.get("at"));
            if (written == null || !at.isBefore(written))
                return at;
            last = at;
        }
        return last;
    }

    /** Revocations, resumptions and guardrail blocks, read from the state document's versions, oldest first. */
    private List<Map<String, Object>> events(String name) {
        List<VersionInfo> all = store.stateVersions(name);
        List<VersionInfo> vs = all.subList(Math.max(0, all.size() - MAX_VERSIONS), all.size());
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, String> prev = Map.of();
        for (VersionInfo v : vs) {
            if (!v.readable())
                continue;
            Optional<Map<String, String>> doc = cached(states, key(name, v),
                    () -> store.stateVersion(name, v.version()).map(x -> {
                        Map<String, String> kept = new LinkedHashMap<>();
                        for (String f : STATE_FIELDS)
                            if (x.value().get(f) != null)
                                kept.put(f, x.value().get(f));
                        return Map.copyOf(kept);
                    }));
            if (doc.isEmpty())
                continue;
            Map<String, String> s = doc.get();
            boolean was = ConnectionState.suspended(prev);
            boolean is = ConnectionState.suspended(s);
            if (is && (!was || !Objects.equals(prev.get(ConnectionState.SUSPENDED_AT), s.get(ConnectionState.SUSPENDED_AT)))) {
                out.add(event("revoked", s.get(ConnectionState.SUSPENDED_AT), v.createdTime(),
                        s.get(ConnectionState.SUSPENDED_REASON), s.get(ConnectionState.SUSPENDED_BY)));
            } else if (was && !is) {
                out.add(event("resumed", s.get(ConnectionState.RESUMED_AT), v.createdTime(), null,
                        s.get(ConnectionState.RESUMED_BY)));
            }
            String b0 = prev.get(ConnectionState.BLOCKED_REASON);
            String b1 = s.get(ConnectionState.BLOCKED_REASON);
            if (b1 != null && !b1.equals(b0))
                out.add(event("blocked", s.get(ConnectionState.BLOCKED_AT), v.createdTime(), b1, "patrol"));
            else if (b1 == null && b0 != null)
                out.add(event("unblocked", null, v.createdTime(), null, "patrol"));
            prev = s;
        }
        return out;
    }

    private static String key(String name, VersionInfo v) {
        return name + "\n" + v.version() + "\n" + v.createdTime();
    }

    /** Only what was found is kept: a version that could not be read is asked for again next time. */
    private static <T> Optional<T> cached(Map<String, Optional<T>> cache, String key,
            java.util.function.Supplier<Optional<T>> read) {
        Optional<T> hit = cache.get(key);
        if (hit != null)
            return hit;
        Optional<T> value = read.get();
        if (value.isPresent()) {
            if (cache.size() >= MAX_CACHED)
                cache.clear();
            cache.put(key, value);
        }
        return value;
    }

    private static Map<String, Object> event(String kind, String at, Instant written, String reason, String by) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", kind);
        Instant when = Instants.parseOrNull(at);
        put(e, "at", when != null ? when : written);
        if (reason != null)
            e.put("reason", reason);
        if (by != null)
            e.put("by", by);
        return e;
    }

    private static Map<String, Object> token(Connection c, PatInfo p, String recorded) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", p.name());
        t.put("patrol", RotationPlanner.ours(p, c)
                && (p.rotatedTo() != null || (p.comment() != null && p.comment().startsWith(RotationPlanner.COMMENT_PREFIX))));
        t.put("current", p.name().equals(recorded));
        t.put("status", p.status());
        t.put("role_restriction", p.roleRestriction());
        put(t, "created_on", p.createdOn());
        put(t, "expires_at", p.expiresAt());
        if (p.rotatedTo() != null)
            t.put("rotated_to", p.rotatedTo());
        return t;
    }

    private static void put(Map<String, Object> m, String key, Instant value) {
        m.put(key, value == null ? null : value.toString());
    }
}
