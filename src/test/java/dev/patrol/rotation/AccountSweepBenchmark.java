package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.Accounts;

/**
 * Benchmark, not a test: {@code ./mvnw verify -Pbench -Dtest=AccountSweepBenchmark}. N connections
 * spread over two accounts, the second one slow (every statement takes 200 ms more): how long the
 * healthy account's part of a sweep takes beside the slow one, against its ideal (its statements x
 * latency / concurrency) and against the same sweep of the healthy account alone, side by side in
 * one run. Sizes: -Dbench.connections (1000), -Dbench.latencyMs (20), -Dbench.slowExtraMs (200),
 * -Dbench.concurrency (8, per account: workers and session pool).
 */
@Tag("benchmark")
class AccountSweepBenchmark {

    @Test
    void healthyAccountBesideASlowOne() {
        int n = Integer.getInteger("bench.connections", 1000);
        int latencyMs = Integer.getInteger("bench.latencyMs", 20);
        int slowMs = latencyMs + Integer.getInteger("bench.slowExtraMs", 200);
        int concurrency = Integer.getInteger("bench.concurrency", 8);
        try (RotationFixture f = new RotationFixture()) {
            List<Connection> healthy = RotationTestAccess.addCliUsers(f.snowflake, "HEALTHY", n / 2);
            List<Connection> slow = new ArrayList<>();
            for (Connection c : RotationTestAccess.addCliUsers(f.second(), "SLOW", n - n / 2))
                slow.add(RotationFixture.connection(c.name(), "second", c.user(), c.role()));
            List<Connection> all = new ArrayList<>(healthy);
            all.addAll(slow);
            f.snowflake.faults().statementLatency(Duration.ofMillis(latencyMs));
            f.second().faults().statementLatency(Duration.ofMillis(slowMs));
            Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
            RotationEngine both = f.engine(all, Strategy.ROTATE, accounts, concurrency);
            RotationEngine alone = f.engine(healthy, Strategy.ROTATE, accounts, concurrency);

            System.out
                    .printf("%nAccount sweep benchmark: %d + %d connections, %d ms and %d ms per statement, concurrency %d per "
                            + "account%n", healthy.size(), slow.size(), latencyMs, slowMs, concurrency);
            measure("first mint (warm-up), beside the slow account", f, both, latencyMs, concurrency,
                    RotationEngine.Result.MINTED, all.size());
            List<Double> besideOverAlone = new ArrayList<>();
            List<Double> besideOverIdeal = new ArrayList<>();
            for (int round = 1; round <= 2; round++) {
                f.clock.advance(Duration.ofDays(7).plusMinutes(1));
                Figures solo = measure("rotation " + round + ", healthy account alone", f, alone, latencyMs, concurrency,
                        RotationEngine.Result.ROTATED, healthy.size());
                f.clock.advance(Duration.ofDays(7).plusMinutes(1));
                Figures beside = measure("rotation " + round + ", beside the slow account", f, both, latencyMs, concurrency,
                        RotationEngine.Result.ROTATED, all.size());
                besideOverAlone.add(beside.healthyPart() / solo.healthyPart());
                besideOverIdeal.add(beside.healthyPart() / beside.ideal());
            }
            System.out.printf("  healthy part beside the slow account: %s of the same sweep alone, %s of its ideal "
                    + "(goal: within 1.3x)%n", ratios(besideOverAlone), ratios(besideOverIdeal));
        }
    }

    record Figures(double healthyPart, double ideal) {
    }

    static String ratios(List<Double> r) {
        return String.join(" / ", r.stream().map(x -> String.format("%.2fx", x)).toList());
    }

    static Figures measure(String label, RotationFixture f, RotationEngine engine, int latencyMs, int concurrency,
            RotationEngine.Result expected, int connections) {
        long before = f.snowflake.statementCount();
        long start = System.nanoTime();
        RotationEngine.SweepReport report = engine.sweep();
        double wall = (System.nanoTime() - start) / 1e9;
        long statements = f.snowflake.statementCount() - before;
        double healthy = report.parts().stream().filter(p -> p.account().equals("default")).findFirst().orElseThrow().took()
                .toNanos() / 1e9;
        double ideal = statements * latencyMs / 1000.0 / concurrency;
        long ok = report.outcomes().stream().filter(o -> o.result() == expected).count();
        System.out.printf(
                "  %-38s healthy part %6.2f s  its ideal %6.2f s  ratio %.2f  (whole sweep %6.2f s, %d statements in the "
                        + "healthy account)  %s %d/%d%n",
                label, healthy, ideal, healthy / ideal, wall, statements,
                expected.name().toLowerCase(), ok, connections);
        assertEquals(connections, ok, "every connection " + expected);
        return new Figures(healthy, ideal);
    }
}
