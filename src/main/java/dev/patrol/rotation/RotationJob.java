package dev.patrol.rotation;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeEndpoint;
import dev.patrol.vault.SecretStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * The thin scheduled sweep (quarkus-github-lottery style): every {@code patrol.rotation.check-every},
 * overlapping runs skipped, the first one shortly after start (so dev mode has a secret within
 * seconds). The work and its per-connection isolation live in {@link RotationEngine}.
 */
@ApplicationScoped
public class RotationJob {

    @Inject
    PatrolConfig config;
    @Inject
    SnowflakeAdmin snowflake;
    @Inject
    SecretStore store;
    @Inject
    ConnectionRegistry registry;
    @Inject
    SnowflakeEndpoint endpoint;
    @Inject
    Clock clock;
    @Inject
    AuditLog audit;
    @Inject
    MeterRegistry meters;
    /** Lazy: the drift detector needs nothing from the sweep but its schedule. */
    @Inject
    jakarta.enterprise.inject.Instance<dev.patrol.drift.Drift> drift;

    private RotationEngine engine;

    @PostConstruct
    void init() {
        String holder = hostName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        Duration interval = config.rotation().checkEvery().equals("off") ? Duration.ofMinutes(5)
                : dev.patrol.config.ConfigValidator.parseInterval(config.rotation().checkEvery());
        Duration lockTtl = interval.multipliedBy(2).compareTo(Duration.ofMinutes(10)) > 0 ? interval.multipliedBy(2) : Duration.ofMinutes(10);
        engine = new RotationEngine(snowflake, store, registry, config.rotation().strategy(),
                config.rotation().concurrency(), holder, lockTtl, clock, audit, new RotationMetrics(meters, clock), endpoint.clientParameters());
    }

    @Scheduled(identity = "rotation-sweep", every = "${patrol.rotation.check-every}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledSweep() {
        RotationEngine.SweepReport report = engine.sweep();
        report.outcomes().stream().filter(o -> o.result() != RotationEngine.Result.UNCHANGED)
                .forEach(o -> Log.infof("Connection %s: %s (%s)", o.connection(), o.result().name().toLowerCase(), o.detail()));
        if (report.ran()) {
            try {
                drift.get().scan();
            } catch (RuntimeException e) {
                Log.warnf("Drift scan failed: %s", e.getMessage());
            }
        }
    }

    public RotationEngine engine() {
        return engine;
    }

    @PreDestroy
    void stop() {
        if (engine != null) engine.close();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "patrol";
        }
    }
}
