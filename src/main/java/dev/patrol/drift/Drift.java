package dev.patrol.drift;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.SecretStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The application's drift detector, and the {@code patrol_drift_findings{kind}} gauges of its last scan. */
@ApplicationScoped
public class Drift {

    static final List<String> KINDS = List.of("foreign-token", "unrestricted-token", "wrong-role-token", "token-limit",
            "user-missing", "user-not-service", "user-disabled", "role-missing", "extra-roles", "scan-failed");

    @Inject
    SnowflakeAdmin snowflake;
    @Inject
    SecretStore store;
    @Inject
    ConnectionRegistry registry;
    @Inject
    AuditLog audit;
    @Inject
    Clock clock;
    @Inject
    PatrolConfig config;
    @Inject
    MeterRegistry meters;

    private DriftDetector detector;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        detector = new DriftDetector(snowflake, store, registry, audit, clock, config.drift().actions());
        for (String kind : KINDS) {
            AtomicInteger n = counts.computeIfAbsent(kind, k -> new AtomicInteger());
            Gauge.builder("patrol.drift.findings", n, AtomicInteger::get).tag("kind", kind)
                    .description("Findings of the last drift scan").register(meters);
        }
    }

    public DriftDetector.Report scan() {
        DriftDetector.Report r = detector.scan();
        counts.values().forEach(c -> c.set(0));
        r.findings().forEach(f -> counts.computeIfAbsent(f.kind(), k -> new AtomicInteger()).incrementAndGet());
        return r;
    }
}
