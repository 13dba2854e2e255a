package dev.patrol.rotation;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotation metrics (Micrometer, exported for Prometheus at /q/metrics): outcomes by connection,
 * seconds until each current secret expires and its age, sweep duration, and connections blocked by
 * guardrails. Only names, counts and times: never a secret.
 */
@Singleton
public final class RotationMetrics {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Instant[]> secrets = new ConcurrentHashMap<>();
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    private final Timer sweeps;

    @Inject
    public RotationMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.sweeps = Timer.builder("patrol.sweep.duration").description("Wall time of one rotation sweep").register(registry);
        Gauge.builder("patrol.connections.blocked", blocked, Set::size)
                .description("Connections refused by a guardrail (nothing is minted for them)").register(registry);
    }

    void outcome(String connection, RotationEngine.Result result) {
        registry.counter("patrol.rotations", Tags.of("connection", connection, "outcome", result.name().toLowerCase())).increment();
    }

    void secret(String connection, Instant createdAt, Instant expiresAt) {
        boolean fresh = secrets.put(connection, new Instant[] {createdAt, expiresAt}) == null;
        if (fresh) {
            Gauge.builder("patrol.secret.expires.in.seconds", secrets, m -> seconds(clock.instant(), m.get(connection)[1]))
                    .tag("connection", connection).description("Seconds until the current secret expires").register(registry);
            Gauge.builder("patrol.secret.age.seconds", secrets, m -> seconds(m.get(connection)[0], clock.instant()))
                    .tag("connection", connection).description("Age of the current secret").register(registry);
        }
    }

    void blocked(String connection, boolean isBlocked) {
        if (isBlocked) blocked.add(connection);
        else blocked.remove(connection);
    }

    void sweep(Duration took) {
        sweeps.record(took);
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
