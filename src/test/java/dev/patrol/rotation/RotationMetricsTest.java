package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The gauges the alerting rules read: failures in a row, blocked, suspended, last completed sweep. */
class RotationMetricsTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RotationMetrics metrics = new RotationMetrics(registry,
            Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC));

    static final dev.patrol.registry.Connection CLI = RotationFixture.analystCli();

    double gauge(String name) {
        return registry.get(name).tag("connection", "analyst_cli").gauge().value();
    }

    @Test
    void failuresInARowSurviveBackOffAndEndWithAnyOtherOutcome() {
        metrics.outcome(CLI, RotationEngine.Result.FAILED);
        metrics.outcome(CLI, RotationEngine.Result.BACKING_OFF);
        metrics.outcome(CLI, RotationEngine.Result.FAILED);
        assertEquals(2, gauge("patrol.rotation.consecutive.failures"));
        metrics.outcome(CLI, RotationEngine.Result.UNCHANGED);
        assertEquals(0, gauge("patrol.rotation.consecutive.failures"));
    }

    @Test
    void suspendedAndBlockedAreZeroOrOne() {
        metrics.outcome(CLI, RotationEngine.Result.SUSPENDED);
        assertEquals(1, gauge("patrol.connection.suspended"));
        metrics.outcome(CLI, RotationEngine.Result.BACKING_OFF);
        assertEquals(1, gauge("patrol.connection.suspended"), "back-off does not look at the connection");
        metrics.outcome(CLI, RotationEngine.Result.MINTED);
        assertEquals(0, gauge("patrol.connection.suspended"));
        metrics.blocked(CLI, true);
        assertEquals(1, gauge("patrol.connection.blocked"));
        assertEquals(1, registry.get("patrol.connections.blocked").gauge().value());
        metrics.blocked(CLI, false);
        assertEquals(0, gauge("patrol.connection.blocked"));
    }

    @Test
    void lastSweepIsZeroUntilOneCompletesPerAccount() {
        metrics.lastSweep("default");
        metrics.lastSweep("second");
        assertEquals(0, registry.get("patrol.last.successful.sweep.seconds").tag("account", "default").gauge().value());
        metrics.sweep("default", Duration.ofSeconds(3));
        assertEquals(Instant.parse("2026-03-01T10:00:00Z").getEpochSecond(),
                registry.get("patrol.last.successful.sweep.seconds").tag("account", "default").gauge().value());
        assertEquals(0, registry.get("patrol.last.successful.sweep.seconds").tag("account", "second").gauge().value(),
                "a sweep of one account says nothing about another");
    }

    @Test
    void perConnectionSeriesNameTheirAccount() {
        metrics.outcome(CLI, RotationEngine.Result.MINTED);
        assertEquals(1, registry.get("patrol.rotations").tags("connection", "analyst_cli", "account", "default", "outcome",
                "minted").counter().count());
        assertEquals(0, registry.get("patrol.connection.suspended").tags("account", "default").gauge().value());
    }
}
