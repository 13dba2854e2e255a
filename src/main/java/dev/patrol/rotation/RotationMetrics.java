package dev.patrol.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.patrol.registry.Connection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * Rotation metrics (Micrometer, exported for Prometheus at /q/metrics): outcomes by connection (every per-connection
 * series also carries its {@code account}),
 * seconds until each current secret expires and its age, sweep duration, and connections blocked by
 * guardrails. Per connection also 0/1 gauges for blocked and suspended and the number of failed
 * rotations in a row, and the time of the last completed sweep, so alerting rules can name the
 * connection and tell "failing now" from "failed once last week". Only names, counts and times:
 * never a secret.
 */
@Singleton
public final class RotationMetrics {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Instant[]> secrets = new ConcurrentHashMap<>();
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    /** Per connection: [blocked 0/1, suspended 0/1, failed rotations in a row]. */
    private final Map<String, AtomicLong[]> perConnection = new ConcurrentHashMap<>();
    /** Per account: epoch seconds of the last sweep this replica completed; 0 until then (other replicas may hold the lock). */
    private final Map<String, AtomicLong> lastSweep = new ConcurrentHashMap<>();

    @Inject
    public RotationMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("patrol.connections.blocked", blocked, Set::size)
                .description("Connections refused by a guardrail (nothing is minted for them)").register(registry);
    }

    private static Tags tags(Connection c) {
        return Tags.of("connection", c.name(), "account", c.account());
    }

    private AtomicLong[] of(Connection connection) {
        return perConnection.computeIfAbsent(connection.name(), name -> {
            AtomicLong[] a = { new AtomicLong(), new AtomicLong(), new AtomicLong() };
            Gauge.builder("patrol.connection.blocked", a[0], AtomicLong::get).tags(tags(connection))
                    .description("1 while a guardrail refuses to mint for the connection").register(registry);
            Gauge.builder("patrol.connection.suspended", a[1], AtomicLong::get).tags(tags(connection))
                    .description("1 while the connection is suspended (revoked)").register(registry);
            Gauge.builder("patrol.rotation.consecutive.failures", a[2], AtomicLong::get).tags(tags(connection))
                    .description("Failed rotation attempts in a row (0 after any other outcome)").register(registry);
            return a;
        });
    }

    void outcome(Connection connection, RotationEngine.Result result) {
        registry.counter("patrol.rotations", tags(connection).and("outcome", result.name().toLowerCase())).increment();
        AtomicLong[] a = of(connection);
        // A connection waiting out its back-off was not looked at: it is still failing, and its
        // suspension is whatever it was.
        if (result == RotationEngine.Result.BACKING_OFF)
            return;
        a[1].set(result == RotationEngine.Result.SUSPENDED ? 1 : 0);
        if (result == RotationEngine.Result.FAILED)
            a[2].incrementAndGet();
        else
            a[2].set(0);
    }

    void secret(Connection connection, Instant createdAt, Instant expiresAt) {
        String name = connection.name();
        boolean fresh = secrets.put(name, new Instant[] { createdAt, expiresAt }) == null;
        if (fresh) {
            Gauge.builder("patrol.secret.expires.in.seconds", secrets, m -> seconds(clock.instant(), m.get(name)[1]))
                    .tags(tags(connection)).description("Seconds until the current secret expires").register(registry);
            Gauge.builder("patrol.secret.age.seconds", secrets, m -> seconds(m.get(name)[0], clock.instant()))
                    .tags(tags(connection)).description("Age of the current secret").register(registry);
        }
    }

    void blocked(Connection connection, boolean isBlocked) {
        if (isBlocked)
            blocked.add(connection.name());
        else
            blocked.remove(connection.name());
        of(connection)[0].set(isBlocked ? 1 : 0);
    }

    /** One account's part of a sweep completed. */
    void sweep(String account, Duration took) {
        Timer.builder("patrol.sweep.duration").tag("account", account).description("Wall time of one account's part of a sweep")
                .register(registry).record(took);
        lastSweep(account).set(clock.instant().getEpochSecond());
    }

    /** The account's last-sweep gauge, shown as 0 from start until this replica completes a sweep of it. */
    AtomicLong lastSweep(String account) {
        return lastSweep.computeIfAbsent(account, a -> {
            AtomicLong at = new AtomicLong();
            Gauge.builder("patrol.last.successful.sweep.seconds", at, AtomicLong::get).tag("account", a)
                    .description("Unix time of the last sweep of the account this replica completed (0: none yet)")
                    .register(registry);
            return at;
        });
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
