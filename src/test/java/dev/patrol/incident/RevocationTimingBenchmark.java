package dev.patrol.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.rotation.RotationTestAccess;

/**
 * Benchmark, not a test: {@code ./mvnw verify -Pbench}. Time from the revocation call until the
 * revoked secret can no longer log in to the emulator, for one connection and for 200 (revoke-all).
 * Measured on the engine, without HTTP in front; the API adds one request's worth.
 */
@Tag("benchmark")
class RevocationTimingBenchmark {

    @Test
    void revokeOneAndRevokeAll() throws Exception {
        int n = Integer.getInteger("bench.connections", 200);
        try (RotationTestAccess.Fixture f = RotationTestAccess.fixture()) {
            List<Connection> connections = RotationTestAccess.addCliUsers(f.snowflake(), "INC", n);
            RotationEngine engine = f.engine(connections, Strategy.ROTATE, 16);
            engine.sweep();
            try (IncidentResponse incidents = new IncidentResponse(f.accounts(), f.store(), new ConnectionRegistry(connections),
                    engine,
                    new AuditLog(f.clock()), f.clock())) {
                Connection one = connections.get(0);
                String secret = f.store().current(one.name()).orElseThrow().value().token();
                f.loginRole(one.user(), secret);
                long start = System.nanoTime();
                IncidentResponse.Revocation r = incidents.revoke(one, "benchmark", "bench", false);
                double revokeMs = (System.nanoTime() - start) / 1e6;
                assertThrows(SQLException.class, () -> f.loginRole(one.user(), secret));
                double deadMs = (System.nanoTime() - start) / 1e6;
                assertTrue(r.complete());

                List<String> secrets = new ArrayList<>();
                for (Connection c : connections.subList(1, n))
                    secrets.add(f.store().current(c.name()).orElseThrow().value().token());
                start = System.nanoTime();
                List<IncidentResponse.Revocation> all = incidents.revokeAll("benchmark", "bench", false);
                double allMs = (System.nanoTime() - start) / 1e6;
                for (int i = 1; i < n; i++) {
                    Connection c = connections.get(i);
                    String s = secrets.get(i - 1);
                    assertThrows(SQLException.class, () -> f.loginRole(c.user(), s));
                }
                double allDeadMs = (System.nanoTime() - start) / 1e6;
                assertEquals(n, all.stream().filter(IncidentResponse.Revocation::complete).count());
                System.out.printf("%nRevocation timing: one connection: revoke call %.1f ms, secret refused at %.1f ms; "
                        + "%d connections (revoke-all, 16 at once): call %.0f ms, every secret refused by %.0f ms (after checking each)%n",
                        revokeMs, deadMs, n, allMs, allDeadMs);
            }
        }
    }
}
