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

    double gauge(String name) {
        return registry.get(name).tag("connection", "analyst_cli").gauge().value();
    }

    @Test
    void failuresInARowSurviveBackOffAndEndWithAnyOtherOutcome() {
        metrics.outcome("analyst_cli", RotationEngine.Result.FAILED);
        metrics.outcome("analyst_cli", RotationEngine.Result.BACKING_OFF);
        metrics.outcome("analyst_cli", RotationEngine.Result.FAILED);
        assertEquals(2, gauge("patrol.rotation.consecutive.failures"));
        metrics.outcome("analyst_cli", RotationEngine.Result.UNCHANGED);
        assertEquals(0, gauge("patrol.rotation.consecutive.failures"));
    }

    @Test
    void suspendedAndBlockedAreZeroOrOne() {
        metrics.outcome("analyst_cli", RotationEngine.Result.SUSPENDED);
        assertEquals(1, gauge("patrol.connection.suspended"));
        metrics.outcome("analyst_cli", RotationEngine.Result.BACKING_OFF);
        assertEquals(1, gauge("patrol.connection.suspended"), "back-off does not look at the connection");
        metrics.outcome("analyst_cli", RotationEngine.Result.MINTED);
        assertEquals(0, gauge("patrol.connection.suspended"));
        metrics.blocked("analyst_cli", true);
        assertEquals(1, gauge("patrol.connection.blocked"));
        assertEquals(1, registry.get("patrol.connections.blocked").gauge().value());
        metrics.blocked("analyst_cli", false);
        assertEquals(0, gauge("patrol.connection.blocked"));
    }

    @Test
    void lastSweepIsZeroUntilOneCompletes() {
        assertEquals(0, registry.get("patrol.last.successful.sweep.seconds").gauge().value());
        metrics.sweep(Duration.ofSeconds(3));
        assertEquals(Instant.parse("2026-03-01T10:00:00Z").getEpochSecond(),
                registry.get("patrol.last.successful.sweep.seconds").gauge().value());
    }
}
