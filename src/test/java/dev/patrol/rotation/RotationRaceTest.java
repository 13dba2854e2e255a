package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine.Request;
import dev.patrol.rotation.RotationEngine.Result;
import dev.patrol.rotation.RotationEngine.Step;
import dev.patrol.vault.TokenRecord;

/**
 * Two writers on one connection, interleaved deterministically at the engine's step boundaries
 * (latches, no sleeps): a rotation in flight never costs a working secret, and a revocation wins.
 */
class RotationRaceTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    final Connection cli = RotationFixture.analystCli();

    /** Holds the first change of one engine at {@code step} until released. */
    static final class Pause implements RotationEngine.StepHook {
        final Step step;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean(true);

        Pause(Step step) {
            this.step = step;
        }

        @Override
        public void at(Step s, Connection c) {
            if (s != step || !armed.compareAndSet(true, false))
                return;
            reached.countDown();
            await(proceed);
        }

        void awaitReached() {
            await(reached);
        }

        void release() {
            proceed.countDown();
        }

        static void await(CountDownLatch latch) {
            try {
                // bounded, so a broken interleaving fails the test instead of hanging the build
                if (!latch.await(60, TimeUnit.SECONDS))
                    throw new AssertionError("a step was never reached");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    TokenRecord record() {
        return f.record(cli);
    }

    List<java.util.Map<String, String>> activeTokens() {
        return f.activeTokens(cli.user());
    }

    Set<String> unrecordedActiveTokens() {
        return f.unrecordedActiveTokens(cli);
    }

    void assertStoredSecretWorks() throws SQLException {
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", record().token()),
                "the secret in Vault logs in with the registered role");
    }

    void assertRevokedEverywhere(IncidentResponse.Revocation r) {
        assertTrue(r.complete(), r.toString());
        assertEquals(List.of(), activeTokens(), "no token of the user is ACTIVE after a complete revocation");
        assertTrue(f.store.current(cli.name()).isEmpty(), "no version is readable after a complete revocation");
    }

    IncidentResponse incidents(RotationEngine engine) {
        return f.incidents(engine, cli);
    }

    // ---------------------------------------------------------------- rotate vs rotate

    @Test
    void anApiRotationInFlightMakesTheSweepWaitInsteadOfRepairing() throws Exception {
        RotationEngine api = f.engine(List.of(cli), Strategy.ROTATE);
        api.sweep();
        String held = record().token();
        Pause pause = new Pause(Step.VALIDATED);
        api.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> rotation = CompletableFuture.supplyAsync(
                () -> api.process(cli, Request.rotateNow("oncall", OptionalInt.empty())));
        pause.awaitReached();
        // another replica's sweep (or this one's) finds the change in flight: it neither rotates nor repairs
        f.clock.advance(RotationFixture.LEASE.minusSeconds(1));
        RotationEngine replica = f.engine(List.of(cli), Strategy.ROTATE);
        assertEquals(Result.BUSY, replica.sweep().of(cli.name()).orElseThrow().result());
        assertEquals(Result.BUSY, api.process(cli, Request.rotateNow("oncall-retry", OptionalInt.empty())).result(),
                "a retried request waits too");
        pause.release();
        assertEquals(Result.ROTATED, rotation.get(60, TimeUnit.SECONDS).result());
        assertEquals(1, f.statementsMatching("ROTATE PAT"), "one rotation, no repair on top of it");
        assertStoredSecretWorks();
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", held), "the previous secret keeps its grace");
        assertTrue(unrecordedActiveTokens().isEmpty(), unrecordedActiveTokens().toString());
    }

    @Test
    void aReplicaWhoseSweepLockExpiredCannotRepairAChangeInFlight() throws Exception {
        Connection second = RotationFixture.connection("second", "SECOND_CLI", "SECOND_ROLE");
        f.addCliUser("SECOND_CLI", "SECOND_ROLE");
        List<Connection> both = List.of(cli, second);
        Duration lockTtl = Duration.ofMinutes(1);
        RotationEngine a = f.engine(both, Strategy.ROTATE, 1, lockTtl);
        a.sweep();
        f.clock.advance(Duration.ofDays(8));
        Pause pause = new Pause(Step.SNOWFLAKE_CHANGED);
        a.onStep(pause);
        CompletableFuture<RotationEngine.SweepReport> sweepA = CompletableFuture.supplyAsync(a::sweep);
        pause.awaitReached();
        // A stalls past its sweep lock (not past the connection's lease); B takes the lock and sweeps
        f.clock.advance(lockTtl.plusSeconds(1));
        RotationEngine b = f.engine(both, Strategy.ROTATE, 1, lockTtl);
        RotationEngine.SweepReport sweepB = b.sweep();
        assertTrue(sweepB.ran(), "the expired lock was taken over");
        assertEquals(Result.BUSY, sweepB.of(cli.name()).orElseThrow().result(),
                "A's change is A's: B neither rotates nor repairs it");
        assertEquals(Result.ROTATED, sweepB.of(second.name()).orElseThrow().result());
        // A's heartbeat finds its lock gone: it starts no further connection
        a.renewSweepLock();
        pause.release();
        RotationEngine.SweepReport reportA = sweepA.get(60, TimeUnit.SECONDS);
        assertEquals(Result.ROTATED, reportA.of(cli.name()).orElseThrow().result(), "A finishes the change it had started");
        assertEquals(Result.ABANDONED, reportA.of(second.name()).orElseThrow().result());
        assertEquals(2, f.statementsMatching("ROTATE PAT"), "each connection rotated once");
        assertStoredSecretWorks();
        assertEquals("SECOND_ROLE", f.loginRole("SECOND_CLI", f.store.current(second.name()).orElseThrow().value().token()));
    }

    @Test
    void anExpiredLeaseIsRepairedWithoutExpiringASecretThatMayBeStored() throws Exception {
        RotationEngine a = f.engine(List.of(cli), Strategy.ROTATE);
        a.sweep();
        f.clock.advance(Duration.ofDays(8));
        Pause pause = new Pause(Step.STORING_CLAIMED);
        a.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> stalled = CompletableFuture.supplyAsync(() -> a.process(cli, Request.SWEEP));
        pause.awaitReached();
        // A claimed the right to store, then stalled past its lease; B repairs from the recorded facts
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        RotationEngine b = f.engine(List.of(cli), Strategy.ROTATE);
        assertEquals(Result.REPAIRED, b.process(cli, Request.SWEEP).result());
        // B fenced A's record write (a new record version) before rotating, so A's secret can no longer be
        // stored and may expire at once; without the fence it would have to keep the grace, and would die
        // in Vault when the grace ended (RotationAttackTest.aLateOwnerWhoseWriteBeatsTheRepair...)
        // A wakes up late: its write may land (or lose); whatever happens, Vault holds a working secret
        pause.release();
        try {
            stalled.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // A lost the check-and-set race to B: nothing of A's was stored
        }
        assertStoredSecretWorks();
        f.clock.advance(Duration.ofHours(24).plusMinutes(1));
        b.sweep();
        assertStoredSecretWorks();
    }

    // ---------------------------------------------------------------- revoke vs a change in flight

    enum Change {
        FIRST_MINT,
        RE_MINT,
        ADD_REMOVE,
        ROTATE
    }

    @ParameterizedTest
    @EnumSource(Change.class)
    void aRevocationDuringAChangeLeavesNothingActiveAndNothingReadable(Change change) throws Exception {
        for (Step at : List.of(Step.SNOWFLAKE_CHANGED, Step.STORING_CLAIMED)) {
            RotationFixture g = new RotationFixture();
            try {
                revokeDuring(g, change, at);
            } finally {
                g.close();
            }
        }
    }

    private void revokeDuring(RotationFixture g, Change change, Step at) throws Exception {
        RotationEngine engine = g.engine(List.of(cli), change == Change.ADD_REMOVE ? Strategy.ADD_REMOVE : Strategy.ROTATE);
        switch (change) {
            case FIRST_MINT -> {
            }
            case RE_MINT -> {
                engine.sweep();
                g.sql("ALTER USER ANALYST_CLI REMOVE PAT PATROL_ANALYST_CLI");
            }
            case ADD_REMOVE, ROTATE -> {
                engine.sweep();
                g.clock.advance(Duration.ofDays(8));
            }
        }
        Pause pause = new Pause(at);
        engine.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> inFlight = CompletableFuture
                .supplyAsync(() -> engine.process(cli, Request.SWEEP));
        pause.awaitReached();
        IncidentResponse incidents = g.incidents(engine, cli);
        // the change goes on right after the suspension is written, racing the rest of the revocation
        incidents.afterSuspend(pause::release);
        IncidentResponse.Revocation r = incidents.revoke(cli, "leak", "oncall", false);
        RotationEngine.Outcome o = inFlight.get(60, TimeUnit.SECONDS);
        String where = change + " at " + at + ": ";
        assertTrue(r.complete(), where + r);
        assertEquals(List.of(),
                g.sql("SHOW USER PATS FOR USER ANALYST_CLI").stream().filter(x -> "ACTIVE".equals(x.get("status"))).toList(),
                where + "no token of the user is ACTIVE");
        assertTrue(g.store.current(cli.name()).isEmpty(), where + "no version is readable");
        if (at == Step.SNOWFLAKE_CHANGED)
            assertEquals(Result.SUSPENDED, o.result(), where + o);
        assertEquals(Result.SUSPENDED, engine.sweep().of(cli.name()).orElseThrow().result(), where + "sweeps leave it alone");
        assertTrue(g.store.current(cli.name()).isEmpty(), where + "and store nothing later");
        incidents.close();
    }

    @Test
    void aResumeRacingARevocationLosesToIt() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        IncidentResponse incidents = incidents(engine);
        assertTrue(incidents.revoke(cli, "first leak", "oncall", false).complete());
        Pause pause = new Pause(Step.SNOWFLAKE_CHANGED);
        engine.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> resume = CompletableFuture
                .supplyAsync(() -> incidents.resume(cli, "oncall-a"));
        pause.awaitReached();
        IncidentResponse second = incidents(engine);
        second.afterSuspend(pause::release);
        IncidentResponse.Revocation r = second.revoke(cli, "second leak", "oncall-b", false);
        assertEquals(Result.SUSPENDED, resume.get(60, TimeUnit.SECONDS).result());
        assertRevokedEverywhere(r);
        incidents.close();
        second.close();
    }

    @Test
    void resumeWhileAChangeIsInFlightIsRefused() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        f.clock.advance(Duration.ofDays(8));
        Pause pause = new Pause(Step.VALIDATED);
        engine.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> rotation = CompletableFuture
                .supplyAsync(() -> engine.process(cli, Request.SWEEP));
        pause.awaitReached();
        // an on-call engineer suspends by hand (the state document) while the change is in flight
        ConnectionState s = ConnectionState.read(f.store, cli.name());
        s.withSuspension(new ConnectionState.Suspension("manual", "oncall", f.clock.instant())).write(f.store, cli.name());
        IncidentResponse incidents = incidents(engine);
        assertThrows(IncidentResponse.Busy.class, () -> incidents.resume(cli, "oncall"));
        pause.release();
        assertEquals(Result.SUSPENDED, rotation.get(60, TimeUnit.SECONDS).result(),
                "the change saw the suspension and stored nothing");
        incidents.close();
    }

    // ---------------------------------------------------------------- expire-previous-after=0h on every path

    @Test
    void zeroHoursEndsThePreviousSecretAtOnceOnEveryPath() throws Exception {
        // ROTATE
        RotationEngine rotate = f.engine(List.of(cli), Strategy.ROTATE);
        rotate.sweep();
        String first = record().token();
        assertEquals(Result.ROTATED, rotate.process(cli, Request.rotateNow("oncall", OptionalInt.of(0))).result());
        assertThrows(SQLException.class, () -> f.loginRole("ANALYST_CLI", first), "ROTATE: the leaked secret is dead");
        assertStoredSecretWorks();
        // add-remove
        RotationEngine addRemove = f.engine(List.of(cli), Strategy.ADD_REMOVE);
        String second = record().token();
        RotationEngine.Outcome o = addRemove.process(cli, Request.rotateNow("oncall", OptionalInt.of(0)));
        assertEquals(Result.REPLACED, o.result());
        assertTrue(o.detail().contains("removed at once"), o.detail());
        assertThrows(SQLException.class, () -> f.loginRole("ANALYST_CLI", second), "add-remove: the leaked secret is dead");
        assertStoredSecretWorks();
        // a replacement forced by a changed lifetime, under strategy rotate
        Connection longer = new Connection(cli.name(), cli.account(), cli.user(), cli.role(), cli.warehouse(), cli.database(),
                cli.schema(),
                cli.period(),
                cli.grace(), 45);
        String third = record().token();
        RotationEngine.Outcome replaced = f.engine(List.of(longer), Strategy.ROTATE).process(longer,
                Request.rotateNow("oncall", OptionalInt.of(0)));
        assertEquals(Result.REPLACED, replaced.result());
        assertThrows(SQLException.class, () -> f.loginRole("ANALYST_CLI", third), "replacement: the leaked secret is dead");
        assertStoredSecretWorks();
        assertTrue(unrecordedActiveTokens().isEmpty(), unrecordedActiveTokens().toString());
    }
}
