package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.devservices.snowflake.PatLogin;
import dev.patrol.drift.DriftDetector;
import dev.patrol.drift.PostureChecker;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.SecretStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Two accounts, one of them hanging or refusing logins: the other's rotations, revocations and
 * reports go on as if it were alone. Latches hold the sick account at a known step; nothing sleeps.
 */
class AccountIsolationTest {

    static final long WAIT_SECONDS = 30;

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    /** Two connections in {@code default}, one in {@code second} (the seeded ANALYST_CLI of each account). */
    List<Connection> connections() {
        f.addCliUser("A2_CLI", "A2_ROLE");
        return List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("a2", "default", "A2_CLI", "A2_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
    }

    /** What runs before a call (null: nothing) and after it (null: nothing, even when the call failed). */
    interface Around {
        void run(String method, Object[] args) throws Exception;
    }

    /** {@code real} seen through {@code type}, with {@code before} and {@code after} around every call. */
    static <T> T around(Class<T> type, T real, Around before, Around after) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            if (before != null)
                before.run(method.getName(), args);
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (after != null)
                    after.run(method.getName(), args);
            }
        }));
    }

    /** An admin whose named calls wait for {@code release} (after counting down {@code entered}) while {@code hold} is set. */
    static SnowflakeAdmin holding(SnowflakeAdmin real, Set<String> methods, CountDownLatch entered, CountDownLatch release,
            java.util.concurrent.atomic.AtomicBoolean hold) {
        return around(SnowflakeAdmin.class, real, (method, args) -> {
            if (hold.get() && methods.contains(method)) {
                entered.countDown();
                assertTrue(release.await(WAIT_SECONDS, TimeUnit.SECONDS), "the test never released the account");
            }
        }, null);
    }

    @Test
    void aHangingAccountHoldsUpOnlyItsOwnPartOfTheSweep() throws Exception {
        List<Connection> all = connections();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var hold = new java.util.concurrent.atomic.AtomicBoolean(true);
        Accounts accounts = f.bothAccounts(f.admin,
                holding(f.secondAdmin(), Set.of("describeUser"), entered, release, hold));
        RotationEngine engine = f.engine(all, Strategy.ROTATE, accounts, 4);
        CountDownLatch defaultSwept = new CountDownLatch(1);
        engine.onPartDone(part -> {
            if (part.account().equals("default"))
                defaultSwept.countDown();
        });

        CompletableFuture<RotationEngine.SweepReport> first = CompletableFuture.supplyAsync(engine::sweep);
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "the second account's part started");
        assertTrue(defaultSwept.await(WAIT_SECONDS, TimeUnit.SECONDS), "the default account's part finished");
        assertTrue(f.store.current("a1").isPresent() && f.store.current("a2").isPresent(), "and minted its connections");
        assertFalse(first.isDone(), "the sweep as a whole waits for the hanging account");

        // The next sweep does not wait: it sweeps default again and skips the part still running.
        RotationEngine.SweepReport next = engine.sweep();
        Map<String, RotationEngine.Part> parts = next.parts().stream()
                .collect(Collectors.toMap(RotationEngine.Part::account, p -> p));
        assertTrue(parts.get("default").ran(), parts.toString());
        assertFalse(parts.get("second").ran(), parts.toString());
        assertTrue(parts.get("second").detail().contains("still running"), parts.toString());
        assertEquals(Set.of("a1", "a2"),
                next.outcomes().stream().map(RotationEngine.Outcome::connection).collect(Collectors.toSet()));

        hold.set(false);
        release.countDown();
        RotationEngine.SweepReport done = first.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(RotationEngine.Result.MINTED, done.of("b1").orElseThrow().result());
        assertTrue(done.parts().stream().allMatch(RotationEngine.Part::ran), done.parts().toString());

        // Each record names its own account, and each secret logs in there only.
        var b1 = f.store.current("b1").orElseThrow().value();
        assertEquals("PATROLDEV2", b1.account());
        assertEquals(String.valueOf(f.second().port()), b1.parameters().get("port"));
        assertEquals("PATROLDEV", f.store.current("a1").orElseThrow().value().account());
        assertEquals("ANALYST_CLI_ROLE", PatLogin.currentRole(f.second(), "ANALYST_CLI", b1.token()));
        assertThrows(SQLException.class, () -> f.loginRole("ANALYST_CLI", b1.token()), "the other account knows no such token");
    }

    @Test
    void refusedLoginsInOneAccountFailFastThereAndTheOtherRotates() {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b2", "second", "B2_CLI", "B2_ROLE"),
                RotationFixture.connection("b3", "second", "B3_CLI", "B3_ROLE"));
        f.second().faults().refuseLogins(true);
        // one worker per account, so the second account's connections are tried one after another
        RotationEngine engine = f.engine(all, Strategy.ROTATE, f.bothAccounts(f.admin, f.secondAdmin()), 1);

        RotationEngine.SweepReport r = engine.sweep();
        assertEquals(RotationEngine.Result.MINTED, r.of("a1").orElseThrow().result());
        for (String b : List.of("b1", "b2", "b3"))
            assertEquals(RotationEngine.Result.FAILED, r.of(b).orElseThrow().result(), r.outcomes().toString());
        long rotatorLogins = f.second().logins().stream().filter(l -> l.loginName().equals("PATROL_ROTATOR")).count();
        assertEquals(1, rotatorLogins, "one refused login, then the account is known to be unavailable");
        assertTrue(r.of("b3").orElseThrow().detail().contains("account PATROLDEV2 unavailable: the last login failed"),
                r.of("b3").orElseThrow().detail());
    }

    @Test
    void anAccountOutageDoesNotGrowItsConnectionsBackOff() {
        var down = new java.util.concurrent.atomic.AtomicBoolean(true);
        SnowflakeAdmin outage = around(SnowflakeAdmin.class, f.secondAdmin(), (method, args) -> {
            if (down.get() && !method.equals("account"))
                throw new dev.patrol.snowflake.SnowflakeException(method, null, 390100, "08004",
                        "account PATROLDEV2 unavailable: the last login failed", null, true);
        }, null);
        List<Connection> all = List.of(RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        RotationEngine engine = f.engine(all, Strategy.ROTATE, f.bothAccounts(f.admin, outage), 1);
        for (int i = 0; i < 4; i++) {
            assertEquals(RotationEngine.Result.FAILED, engine.sweep().of("b1").orElseThrow().result(), "outage sweep " + i);
            f.clock.advance(java.time.Duration.ofSeconds(31));
        }
        down.set(false);
        // four failures of its own would mean 4 minutes; an outage of the account keeps it at the first pause
        assertEquals(RotationEngine.Result.MINTED, engine.sweep().of("b1").orElseThrow().result());
    }

    @Test
    void revokeAllRevokesTheHealthyAccountWhileAnotherHangs() throws Exception {
        List<Connection> all = connections();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var hold = new java.util.concurrent.atomic.AtomicBoolean(false);
        Accounts accounts = f.bothAccounts(f.admin, holding(f.secondAdmin(), Set.of("listPats"), entered, release, hold));
        RotationEngine engine = f.engine(all, Strategy.ROTATE, accounts, 4);
        engine.sweep();
        Map<String, String> secrets = all.stream()
                .collect(Collectors.toMap(Connection::name, c -> f.store.current(c.name()).orElseThrow().value().token()));

        CountDownLatch defaultDestroyed = new CountDownLatch(2);
        SecretStore watched = around(SecretStore.class, f.store, null, (method, args) -> {
            if (method.equals("destroyAll") && !args[0].equals("b1"))
                defaultDestroyed.countDown();
        });
        IncidentResponse incidents = f.incidents(engine, accounts, watched, all);
        hold.set(true);
        CompletableFuture<List<IncidentResponse.Revocation>> revoking = CompletableFuture
                .supplyAsync(() -> incidents.revokeAll("drill", "oncall", false));
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "the second account's revocation started");
        assertTrue(defaultDestroyed.await(WAIT_SECONDS, TimeUnit.SECONDS), "the default account's secrets were destroyed");
        assertFalse(revoking.isDone());
        for (String a : List.of("a1", "a2")) {
            String user = all.stream().filter(c -> c.name().equals(a)).findFirst().orElseThrow().user();
            assertThrows(SQLException.class, () -> f.loginRole(user, secrets.get(a)), a + " is dead while the other hangs");
        }

        release.countDown();
        List<IncidentResponse.Revocation> done = revoking.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(done.stream().allMatch(IncidentResponse.Revocation::complete), done.toString());
        assertEquals(Map.of("a1", "default", "a2", "default", "b1", "second"),
                done.stream().collect(Collectors.toMap(IncidentResponse.Revocation::connection,
                        IncidentResponse.Revocation::account)));
        assertThrows(SQLException.class, () -> PatLogin.currentRole(f.second(), "ANALYST_CLI", secrets.get("b1")));
    }

    @Test
    void aConnectionMovedToAnotherAccountGetsASecretThere() throws Exception {
        Connection before = RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE");
        Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
        f.engine(List.of(before), Strategy.ROTATE, accounts, 1).sweep();
        assertEquals("PATROLDEV", f.store.current("a1").orElseThrow().value().account());
        // a hand-made token under patrol's name in the new account must not pass for the recorded one
        f.second().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT PATROL_A1 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");

        Connection moved = RotationFixture.connection("a1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE");
        RotationEngine.Outcome o = f.engine(List.of(moved), Strategy.ROTATE, accounts, 1).sweep().of("a1").orElseThrow();
        assertEquals(RotationEngine.Result.MINTED, o.result(), o.toString());
        assertTrue(o.detail().contains("moved from account PATROLDEV"), o.detail());
        var record = f.store.current("a1").orElseThrow().value();
        assertEquals("PATROLDEV2", record.account());
        assertEquals("ANALYST_CLI_ROLE", PatLogin.currentRole(f.second(), "ANALYST_CLI", record.token()));
    }

    @Test
    void revokeAllSuspendsEveryConnectionBeforeRevokingAny() {
        List<Connection> all = connections();
        Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
        RotationEngine engine = f.engine(all, Strategy.ROTATE, accounts, 4);
        engine.sweep();
        IncidentResponse incidents = f.incidents(engine, accounts, f.store, all);
        List<String> notYetSuspended = new java.util.concurrent.CopyOnWriteArrayList<>();
        var first = new java.util.concurrent.atomic.AtomicBoolean(true);
        incidents.afterSuspend(() -> {
            if (first.getAndSet(false)) {
                for (Connection c : all) {
                    if (!ConnectionState.read(f.store, c.name()).suspended())
                        notYetSuspended.add(c.name());
                }
            }
        });
        assertTrue(incidents.revokeAll("drill", "oncall", false).stream().allMatch(IncidentResponse.Revocation::complete));
        assertEquals(List.of(), notYetSuspended, "when the first revocation goes on, every connection is already suspended");
    }

    @Test
    void driftAndPostureAreReportedPerAccount() {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
        f.engine(all, Strategy.ROTATE, accounts, 2).sweep();
        // a hand-made token in the second account only: same user name, other account
        f.second().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DriftDetector.Report drift = new DriftDetector(accounts, f.store, new ConnectionRegistry(all),
                new dev.patrol.audit.AuditLog(f.clock), f.clock, new DriftDetector.Actions(Map.of()), meters).scan();
        assertEquals(List.of("second/b1/HANDMADE"), drift.findings().stream()
                .filter(x -> x.kind() == PatrolConfig.Drift.Kind.FOREIGN_TOKEN)
                .map(x -> x.account() + "/" + x.connection() + "/" + x.token()).toList());
        assertEquals(1, meters.get("patrol.drift.findings").tags("account", "second", "kind", "foreign-token").gauge().value());
        assertEquals(0,
                meters.get("patrol.drift.findings").tags("account", "default", "kind", "foreign-token").gauge().value());

        PostureChecker.Report posture = new PostureChecker(accounts, new ConnectionRegistry(all), f.clock, meters).check();
        Map<String, Long> perAccount = posture.checks().stream()
                .filter(c -> c.check().equals("person-users-cannot-use-pats"))
                .collect(Collectors.groupingBy(PostureChecker.Check::account, Collectors.counting()));
        assertEquals(Map.of("default", 1L, "second", 1L), perAccount, "the account-wide checks run once in each account");
        assertEquals(Set.of("default", "second"), posture.checks().stream()
                .filter(c -> c.check().equals("cli-user-is-service-with-one-role")).map(PostureChecker.Check::account)
                .collect(Collectors.toSet()));
        assertTrue(meters.find("patrol.posture.unknown").tags("account", "second").gauge() != null);
    }

    /**
     * GET /drift and GET /posture ask with a time limit: a hanging account is reported as still running and the others
     * are reported in full, and the hanging account's run, once it ends, sets its own gauges. (The limit here is far
     * beyond what the answering account needs, an in-process emulator; the hanging one is held by a latch.)
     */
    @Test
    void aReportWaitsForAHangingAccountOnlyAsLongAsItWasAsked() throws Exception {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        f.engine(all, Strategy.ROTATE, f.bothAccounts(f.admin, f.secondAdmin()), 2).sweep();
        f.second().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var hold = new java.util.concurrent.atomic.AtomicBoolean(true);
        Accounts accounts = f.bothAccounts(f.admin,
                holding(f.secondAdmin(), Set.of("describeUser"), entered, release, hold));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DriftDetector drift = new DriftDetector(accounts, f.store, new ConnectionRegistry(all),
                new dev.patrol.audit.AuditLog(f.clock), f.clock, new DriftDetector.Actions(Map.of()), meters);
        PostureChecker posture = new PostureChecker(accounts, new ConnectionRegistry(all), f.clock, meters);
        try {
            DriftDetector.Report report = drift.scan(java.time.Duration.ofSeconds(5));
            assertEquals(0, entered.getCount(), "the second account was held");
            Map<String, DriftDetector.Finding> byConnection = report.findings().stream()
                    .filter(x -> x.kind() == PatrolConfig.Drift.Kind.SCAN_FAILED)
                    .collect(Collectors.toMap(DriftDetector.Finding::connection, x -> x));
            assertEquals(Set.of("b1"), byConnection.keySet(), "only the hanging account's connection is not scanned");
            assertTrue(byConnection.get("b1").detail().contains("still running"), byConnection.get("b1").detail());
            assertEquals(0, driftGauge(meters, "second"), "no findings of the second account yet");

            PostureChecker.Report checks = posture.check(java.time.Duration.ofSeconds(5));
            Set<String> stillRunning = checks.checks().stream().filter(c -> c.detail().contains("still running"))
                    .map(PostureChecker.Check::account).collect(Collectors.toSet());
            assertEquals(Set.of("second"), stillRunning, checks.toString());
            assertTrue(checks.checks().stream().anyMatch(c -> c.account().equals("default")
                    && c.check().equals("cli-user-is-service-with-one-role") && c.status() == PostureChecker.Status.PASS));
        } finally {
            hold.set(false);
            release.countDown();
        }
        // the runs go on after the reports returned, and set the second account's gauges when they end
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while ((driftGauge(meters, "second") == 0 || meters.get("patrol.posture.unknown").tags("account", "second").gauge()
                .value() == 0) && System.nanoTime() < giveUp)
            Thread.onSpinWait();
        assertEquals(1, driftGauge(meters, "second"), "the hand-made token, found once the account answered");
        assertTrue(meters.get("patrol.posture.unknown").tags("account", "second").gauge().value() > 0);
    }

    private static double driftGauge(SimpleMeterRegistry meters, String account) {
        return meters.get("patrol.drift.findings").tags("account", account, "kind", "foreign-token").gauge().value();
    }

    /**
     * Sweeps may overlap (a slow account's part outlasts the interval) and each that ran is followed by a drift scan of
     * every account: a scan must not start another scan of an account whose last one is still running, nor wait for it,
     * or each sweep would leave one more thread (a scheduler worker among them) waiting on the hanging account.
     */
    @Test
    void aDriftScanSkipsAnAccountWhosePreviousScanIsStillRunning() throws Exception {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> enteredAgain = new CompletableFuture<>();
        var hold = new java.util.concurrent.atomic.AtomicBoolean(true);
        SnowflakeAdmin held = holding(f.secondAdmin(), Set.of("describeUser"), entered, release, hold);
        SnowflakeAdmin counting = (SnowflakeAdmin) Proxy.newProxyInstance(SnowflakeAdmin.class.getClassLoader(),
                new Class<?>[] { SnowflakeAdmin.class }, (proxy, method, args) -> {
                    if (method.getName().equals("describeUser") && entered.getCount() == 0)
                        enteredAgain.complete(null);
                    try {
                        return method.invoke(held, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Accounts accounts = f.bothAccounts(f.admin, counting);
        DriftDetector drift = new DriftDetector(accounts, f.store, new ConnectionRegistry(all),
                new dev.patrol.audit.AuditLog(f.clock), f.clock, new DriftDetector.Actions(Map.of()),
                new SimpleMeterRegistry());

        CompletableFuture<DriftDetector.Report> first = CompletableFuture.supplyAsync(drift::scan);
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "the first scan is held in the second account");
        // the next sweep's scan returns at once, and starts no second scan of the hanging account
        drift.scanInBackground();
        // a report joins the scan going on, for as long as it was asked to wait
        CompletableFuture<DriftDetector.Report> next = CompletableFuture
                .supplyAsync(() -> drift.scan(java.time.Duration.ofMillis(300)));
        CompletableFuture.anyOf(next, enteredAgain).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertFalse(enteredAgain.isDone(), "a second scan of the hanging account was started");
        DriftDetector.Report report = next.get();
        DriftDetector.Finding b1 = report.findings().stream().filter(x -> x.connection().equals("b1")).findFirst()
                .orElseThrow();
        assertEquals(PatrolConfig.Drift.Kind.SCAN_FAILED, b1.kind());
        assertTrue(b1.detail().contains("still running"), b1.detail());

        hold.set(false);
        release.countDown();
        assertTrue(first.get(WAIT_SECONDS, TimeUnit.SECONDS).findings().stream()
                .noneMatch(x -> x.kind() == PatrolConfig.Drift.Kind.SCAN_FAILED));
        assertTrue(drift.scan().findings().stream().noneMatch(x -> x.kind() == PatrolConfig.Drift.Kind.SCAN_FAILED),
                "once it has finished, the account is scanned again");
    }
}
