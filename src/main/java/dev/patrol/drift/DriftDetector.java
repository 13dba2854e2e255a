package dev.patrol.drift;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.patrol.PatrolException;
import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.config.PatrolConfig.Drift.Action;
import dev.patrol.config.PatrolConfig.Drift.Kind;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.rotation.RotationPlanner;
import dev.patrol.rotation.Workers;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.snowflake.SnowflakeAdmin.UserFacts;
import dev.patrol.snowflake.SnowflakeException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * Drift on the registered CLI users: tokens patrol did not make, tokens without a role
 * restriction or restricted to another role, users at or near Snowflake's 15-token limit, users
 * that are no longer TYPE=SERVICE or hold other roles. Each finding is reported (audit event,
 * metric, GET /drift) and, for token findings, optionally acted on ({@code disable} or {@code remove}).
 * The token patrol currently records is never acted on: that would cut off the developers.
 */
@Singleton
public final class DriftDetector {

    /** What to do per kind of finding ({@code patrol.drift.actions}); kinds not named are reported. */
    public record Actions(Map<String, Action> byKind) {
        public Actions {
            byKind = Map.copyOf(byKind);
        }
    }

    @Produces
    @Singleton
    static Actions actions(PatrolConfig config) {
        return new Actions(config.drift().actions());
    }

    /** One finding. {@code account} is the connection's account id; {@code token} is a token's name, never a secret. */
    public record Finding(Kind kind, String connection, String account, String user, String token, String detail,
            Action action, String outcome) {
    }

    public record Report(Instant scannedAt, List<Finding> findings) {
    }

    static final int NEAR_LIMIT = 13;

    private final Accounts accounts;
    private final SecretStore store;
    private final ConnectionRegistry registry;
    private final AuditLog audit;
    private final Clock clock;
    private final Map<String, Action> actions;
    /** Per account and kind: the last scan's findings. */
    private final Map<String, Map<Kind, AtomicInteger>> counts = new ConcurrentHashMap<>();
    private final ExecutorService scanners = Workers.growing("patrol-drift");
    /** Per account: whether a scan of it is running. */
    private final Map<String, java.util.concurrent.atomic.AtomicBoolean> scanning = new ConcurrentHashMap<>();

    @Inject
    public DriftDetector(Accounts accounts, SecretStore store, ConnectionRegistry registry, AuditLog audit, Clock clock,
            Actions actions, MeterRegistry meters) {
        this.accounts = accounts;
        this.store = store;
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
        this.actions = actions.byKind();
        for (Accounts.Account a : accounts.all()) {
            Map<Kind, AtomicInteger> mine = counts.computeIfAbsent(a.id(), id -> new ConcurrentHashMap<>());
            for (Kind kind : Kind.values()) {
                AtomicInteger n = mine.computeIfAbsent(kind, k -> new AtomicInteger());
                Gauge.builder("patrol.drift.findings", n, AtomicInteger::get).tag("kind", kind.key()).tag("account", a.id())
                        .description("Findings of the last drift scan").register(meters);
            }
        }
    }

    /** Every sweep that ran is followed by a scan, so drift shows within one sweep interval. */
    void afterSweep(@Observes RotationEngine.SweepReport sweep) {
        try {
            scan();
        } catch (RuntimeException e) {
            Log.warnf("Drift scan failed: %s", PatrolException.safeMessage(e));
        }
    }

    /** Scans now; the {@code patrol_drift_findings{kind,account}} gauges show this scan's counts. */
    public Report scan() {
        Report r = scanAll();
        counts.values().forEach(m -> m.values().forEach(c -> c.set(0)));
        r.findings().forEach(f -> counts.get(f.account()).get(f.kind()).incrementAndGet());
        return r;
    }

    /**
     * Each account's connections in turn, the accounts side by side: a slow account delays only its own findings. An
     * account whose previous scan is still running is not scanned again (sweeps overlap, and each is followed by a scan):
     * its connections are reported as not scanned, and no further thread waits on it.
     */
    private Report scanAll() {
        List<Future<List<Finding>>> perAccount = new ArrayList<>();
        for (Accounts.Account a : accounts.all()) {
            List<Connection> mine = registry.all().stream().filter(c -> c.account().equals(a.id())).toList();
            var busy = scanning.computeIfAbsent(a.id(), id -> new java.util.concurrent.atomic.AtomicBoolean());
            if (!busy.compareAndSet(false, true)) {
                perAccount.add(java.util.concurrent.CompletableFuture.completedFuture(mine.stream()
                        .map(c -> new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null,
                                "not scanned: the previous scan of account " + a.id() + " is still running", Action.REPORT,
                                "reported"))
                        .toList()));
                continue;
            }
            perAccount.add(scanners.submit(() -> {
                try {
                    List<Finding> out = new ArrayList<>();
                    for (Connection c : mine) {
                        try {
                            scan(c, out);
                        } catch (SnowflakeException e) {
                            out.add(new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null, e.getMessage(),
                                    Action.REPORT, "reported"));
                        } catch (RuntimeException e) {
                            out.add(new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null,
                                    PatrolException.safeMessage(e), Action.REPORT, "reported"));
                        }
                    }
                    return out;
                } finally {
                    busy.set(false);
                }
            }));
        }
        List<Finding> all = new ArrayList<>();
        Workers.joinAll(perAccount).forEach(all::addAll);
        return new Report(clock.instant(), List.copyOf(all));
    }

    private void scan(Connection c, List<Finding> out) {
        UserFacts f = accounts.admin(c).describeUser(c.user());
        if (!f.exists()) {
            add(out, c, Kind.USER_MISSING, "user " + c.user() + " does not exist or the rotator cannot see it");
            return;
        }
        if (!"SERVICE".equals(f.type()))
            add(out, c, Kind.USER_NOT_SERVICE, "TYPE is " + (f.type() == null ? "NULL (PERSON)" : f.type()));
        if (f.disabled())
            add(out, c, Kind.USER_DISABLED, "the user is disabled");
        if (!f.roles().contains(c.role()))
            add(out, c, Kind.ROLE_MISSING, "the registered role " + c.role() + " is not granted");
        Set<String> extra = f.rolesBeside(c.role());
        if (!extra.isEmpty())
            add(out, c, Kind.EXTRA_ROLES, "also holds " + String.join(", ", extra));

        String recorded = store.current(c.name()).map(Versioned::value).map(TokenRecord::tokenName).orElse(null);
        List<PatInfo> live = accounts.admin(c).listPats(c.user()).stream().filter(p -> !"EXPIRED".equals(p.status())).toList();
        for (PatInfo p : live) {
            if (!RotationPlanner.ours(p, c))
                add(out, c, Kind.FOREIGN_TOKEN, p, "token " + p.name() + " is not one patrol made for this connection",
                        recorded);
            if (p.roleRestriction() == null) {
                add(out, c, Kind.UNRESTRICTED_TOKEN, p, "token " + p.name() + " has no role restriction", recorded);
            } else if (!p.roleRestriction().equals(c.role())) {
                add(out, c, Kind.WRONG_ROLE_TOKEN, p,
                        "token " + p.name() + " is restricted to " + p.roleRestriction() + ", not " + c.role(), recorded);
            }
        }
        if (live.size() >= NEAR_LIMIT)
            add(out, c, Kind.TOKEN_LIMIT, live.size() + " of Snowflake's 15 tokens in use");
    }

    /** A finding about the user, not one of its tokens: reported only. */
    private void add(List<Finding> out, Connection c, Kind kind, String detail) {
        Finding f = new Finding(kind, c.name(), c.account(), c.user(), null, detail, Action.REPORT, "reported");
        out.add(f);
        audit.record(AuditLog.Event.about(c, "drift", "patrol", null, kind.key(), detail));
    }

    private void add(List<Finding> out, Connection c, Kind kind, PatInfo p, String detail, String recorded) {
        Action action = actions.getOrDefault(kind.key(), Action.REPORT);
        String outcome = "reported";
        if (action != Action.REPORT && kind.token()) {
            if (p.name().equals(recorded)) {
                outcome = "not acted on: it is the secret patrol hands out";
            } else {
                try {
                    if (action == Action.REMOVE)
                        accounts.admin(c).removePat(c.user(), p.name());
                    else if (!"DISABLED".equals(p.status()))
                        accounts.admin(c).disablePat(c.user(), p.name());
                    outcome = action == Action.REMOVE ? "removed" : "disabled";
                } catch (SnowflakeException e) {
                    outcome = action.name().toLowerCase(java.util.Locale.ROOT) + " failed: " + e.getMessage();
                }
            }
        }
        Finding f = new Finding(kind, c.name(), c.account(), c.user(), p.name(), detail, action, outcome);
        out.add(f);
        audit.record(AuditLog.Event.about(c, "drift", "patrol", p.name(), kind.key() + ": " + outcome, detail));
    }

}
