package dev.patrol.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationTestAccess;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.SnowflakeAdmin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Drift and posture runs under attack: joined actions, an account down from the start. Latches; nothing sleeps. */
class ReportRunsAttackTest {

    final RotationTestAccess.Fixture f = RotationTestAccess.fixture();
    final Connection cli = RotationTestAccess.connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE");

    @AfterEach
    void stop() {
        f.close();
    }

    /**
     * With foreign-token=remove, a scan held in the account is joined by the next sweep's scan and by reports: the foreign
     * token is removed once, every report that got the run's findings says so, and the gauge counts it once.
     */
    @Test
    void aDriftActionRunsOnceHoweverManyJoinTheRun() throws Exception {
        f.engine(List.of(cli), Strategy.ROTATE, 1).sweep();
        f.sql("ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hold = new AtomicBoolean(true);
        AtomicInteger removals = new AtomicInteger();
        SnowflakeAdmin admin = (SnowflakeAdmin) Proxy.newProxyInstance(SnowflakeAdmin.class.getClassLoader(),
                new Class<?>[] { SnowflakeAdmin.class }, (proxy, method, args) -> {
                    if (method.getName().equals("listPats") && hold.getAndSet(false)) {
                        entered.countDown();
                        assertTrue(release.await(30, TimeUnit.SECONDS), "the test never released the account");
                    }
                    if (method.getName().equals("removePat"))
                        removals.incrementAndGet();
                    try {
                        return method.invoke(f.admin(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Accounts accounts = Accounts.single("default", f.accounts().all().get(0).endpoint(), admin, "PATROL_ROTATOR_ROLE");
        DriftDetector drift = new DriftDetector(accounts, f.store(), new ConnectionRegistry(List.of(cli)),
                new AuditLog(f.clock()), f.clock(),
                new DriftDetector.Actions(Map.of("foreign-token", PatrolConfig.Drift.Action.REMOVE)), meters);

        drift.scanInBackground();
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        drift.scanInBackground();
        for (int i = 0; i < 3; i++) {
            DriftDetector.Report r = drift.scan(Duration.ZERO);
            assertEquals(List.of(PatrolConfig.Drift.Kind.SCAN_FAILED),
                    r.findings().stream().map(DriftDetector.Finding::kind).toList());
        }
        release.countDown();
        DriftDetector.Report after = drift.scan(); // joins the held run, or starts the next once it has ended
        assertEquals(1, removals.get(), "removed once");
        assertTrue(after.findings().stream().allMatch(x -> x.kind() == PatrolConfig.Drift.Kind.FOREIGN_TOKEN
                && x.outcome().equals("removed")) || after.findings().isEmpty(), after.toString());
        assertTrue(f.sql("SHOW USER PATS FOR USER ANALYST_CLI").stream().noneMatch(p -> "HANDMADE".equals(p.get("name"))));
    }

    /**
     * Snowflake refusing logins from the start: the scheduled check returns at once and throws nothing, and its run
     * reports every check UNKNOWN (never PASS or FAIL), which the unknown gauge shows.
     */
    @Test
    void theScheduledPostureCheckWithSnowflakeDownSaysUnknown() {
        f.snowflake().faults().refuseLogins(true);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PostureChecker checker = new PostureChecker(f.accounts(), new ConnectionRegistry(List.of(cli)), f.clock(), meters);
        checker.scheduledCheck();
        PostureChecker.Report r = checker.check(); // joins the scheduled run, or checks again once it has ended
        assertTrue(r.checks().size() > 0 && r.checks().stream().allMatch(c -> c.status() == PostureChecker.Status.UNKNOWN),
                r.toString());
        assertEquals(0.0, PostureCheckerTest.gauge(meters, "patrol.posture.failures"));
        assertEquals(r.checks().size(), (int) PostureCheckerTest.gauge(meters, "patrol.posture.unknown"));
    }
}
