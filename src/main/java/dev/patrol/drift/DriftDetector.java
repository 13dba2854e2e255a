package dev.patrol.drift;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private final AccountRuns<Finding> runs = new AccountRuns<>("Drift scan", "patrol-drift");

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
            scanInBackground();
        } catch (RuntimeException e) {
            Log.warnf("Drift scan failed: %s", PatrolException.safeMessage(e));
        }
    }

    /**
     * Starts a scan of every account not being scanned already, and returns at once: the sweep's thread never waits on
     * a slow account, and overlapping sweeps start no second scan of it. Each scan sets its account's gauges.
     */
    public void scanInBackground() {
        runs.start(accounts.all(), this::scan);
    }

    /** Scans every account now and waits for all of them. */
    public Report scan() {
        return scan(AccountRuns.NO_LIMIT);
    }

    /**
     * Scans every account now, side by side (joining a scan already going on), waiting at most {@code wait}. An account
     * whose scan is still running then has its connections reported as not scanned; its scan goes on, and each
     * account's finished scan sets its own {@code patrol_drift_findings{kind,account}} gauges.
     */
    public Report scan(Duration wait) {
        return new Report(clock.instant(), List.copyOf(runs.run(accounts.all(), this::scan, this::stillScanning, wait)));
    }

    private List<Finding> scan(Accounts.Account account) {
        List<Finding> out = new ArrayList<>();
        for (Connection c : connectionsOf(account)) {
            try {
                scan(c, out);
            } catch (SnowflakeException e) {
                out.add(new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null, e.getMessage(), Action.REPORT,
                        "reported"));
            } catch (RuntimeException e) {
                out.add(new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null, PatrolException.safeMessage(e),
                        Action.REPORT, "reported"));
            }
        }
        Map<Kind, AtomicInteger> gauges = counts.get(account.id());
        for (Kind kind : Kind.values())
            gauges.get(kind).set((int) out.stream().filter(f -> f.kind() == kind).count());
        return out;
    }

    private List<Finding> stillScanning(Accounts.Account account) {
        return connectionsOf(account).stream()
                .map(c -> new Finding(Kind.SCAN_FAILED, c.name(), c.account(), c.user(), null, "not scanned yet: the scan of "
                        + "account " + account.id()
                        + " is still running; its findings reach patrol_drift_findings when it ends",
                        Action.REPORT, "reported"))
                .toList();
    }

    private List<Connection> connectionsOf(Accounts.Account account) {
        return registry.all().stream().filter(c -> c.account().equals(account.id())).toList();
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
