package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;

/**
 * Benchmark, not a test: {@code ./mvnw verify -Pbench}. One sweep over N connections with a fixed
 * latency on every Snowflake statement, wall time against the ideal (statements x latency /
 * concurrency), CPU time per connection (the whole JVM: patrol and both emulators), peak heap.
 * Sizes: -Dbench.connections (1000), -Dbench.latencyMs (20), -Dbench.concurrency (16).
 */
@Tag("benchmark")
class RotationSweepBenchmark {

    @Test
    void sweep() throws Exception {
        int n = Integer.getInteger("bench.connections", 1000);
        int latencyMs = Integer.getInteger("bench.latencyMs", 20);
        int concurrency = Integer.getInteger("bench.concurrency", 16);
        try (RotationFixture f = new RotationFixture()) {
            List<Connection> connections = RotationTestAccess.addCliUsers(f.snowflake, "BENCH", n);
            f.snowflake.faults().statementLatency(Duration.ofMillis(latencyMs));
            RotationEngine engine = f.engine(connections, Strategy.ROTATE, concurrency);

            System.out.printf("%nRotation sweep benchmark: %d connections, %d ms per statement, concurrency %d%n", n, latencyMs,
                    concurrency);
            measure("first mint", f, engine, n, latencyMs, concurrency, RotationEngine.Result.MINTED);
            f.clock.advance(Duration.ofDays(7).plusMinutes(1));
            measure("rotation", f, engine, n, latencyMs, concurrency, RotationEngine.Result.ROTATED);
            measure("nothing due", f, engine, n, latencyMs, concurrency, RotationEngine.Result.UNCHANGED);
        }
    }

    static void measure(String label, RotationFixture f, RotationEngine engine, int n, int latencyMs, int concurrency,
            RotationEngine.Result expected) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            pool.resetPeakUsage();
        long statementsBefore = f.snowflake.statementCount();
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        RotationEngine.SweepReport report = engine.sweep();
        double wall = (System.nanoTime() - start) / 1e9;
        double cpuMs = (os.getProcessCpuTime() - cpuBefore) / 1e6;
        long statements = f.snowflake.statementCount() - statementsBefore;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP)
                peakHeap += pool.getPeakUsage().getUsed();
        }
        long ok = report.outcomes().stream().filter(o -> o.result() == expected).count();
        double ideal = statements * latencyMs / 1000.0 / concurrency;
        System.out.printf(
                "  %-12s wall %6.2f s  ideal %6.2f s  ratio %.2f  statements %d (%.1f per connection)  CPU %.2f ms per connection  peak heap %d MiB  %s %d/%d%n",
                label, wall, ideal, wall / ideal, statements, statements / (double) n, cpuMs / n, peakHeap >> 20,
                expected.name().toLowerCase(), ok, n);
        assertEquals(n, ok, "every connection " + expected);
    }
}
