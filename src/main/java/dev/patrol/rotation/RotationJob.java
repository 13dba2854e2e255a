package dev.patrol.rotation;

import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.patrol.config.ConfigValidator;
import dev.patrol.config.PatrolConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * The thin scheduled sweep: every {@code patrol.rotation.check-every}, the first one shortly after
 * start (so dev mode has a secret within seconds). It only triggers the sweep and announces it; the
 * work and its per-account and per-connection isolation live in {@link RotationEngine}, and the
 * drift scan observes the announcement. Runs may overlap: an account whose previous part is still
 * running (a slow account) is skipped by the engine, the others are swept on time.
 */
@ApplicationScoped
public class RotationJob {

    /** A change in flight holds its connection this long at most; far beyond a slow rotation (a few validation logins). */
    static final Duration LEASE_TTL = Duration.ofMinutes(10);

    private final RotationEngine engine;
    private final Event<RotationEngine.SweepReport> sweeps;

    RotationJob(RotationEngine engine, Event<RotationEngine.SweepReport> sweeps) {
        this.engine = engine;
        this.sweeps = sweeps;
    }

    @Scheduled(identity = "rotation-sweep", every = "${patrol.rotation.check-every}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.PROCEED)
    void scheduledSweep() {
        RotationEngine.SweepReport report = engine.sweep();
        report.outcomes().stream().filter(o -> o.result() != RotationEngine.Result.UNCHANGED)
                .forEach(o -> Log.infof("Connection %s: %s (%s)", o.connection(), o.result().name().toLowerCase(), o.detail()));
        if (report.ran())
            sweeps.fire(report);
    }

    @Produces
    @Singleton
    static RotationEngine.Settings settings(PatrolConfig config) {
        Duration interval = config.rotation().checkEvery().equals("off") ? Duration.ofMinutes(5)
                : ConfigValidator.parseInterval(config.rotation().checkEvery());
        // the lock outlives two intervals and ten minutes, and is renewed while a sweep runs
        Duration lockTtl = interval.multipliedBy(2).compareTo(Duration.ofMinutes(10)) > 0 ? interval.multipliedBy(2)
                : Duration.ofMinutes(10);
        return new RotationEngine.Settings(config.rotation().strategy(), config.rotation().concurrency(), replicaId(), lockTtl,
                LEASE_TTL);
    }

    private static String replicaId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "patrol";
        }
        return host + "/" + UUID.randomUUID().toString().substring(0, 8);
    }
}
