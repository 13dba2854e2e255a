package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine.Request;
import dev.patrol.rotation.RotationEngine.Result;
import dev.patrol.rotation.RotationEngine.Step;
import dev.patrol.rotation.RotationRaceTest.Pause;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;

/**
 * A reviewer's attacks on the lease design, each interleaved at the engine's step boundaries
 * (latches and hooks, no sleeps). Each test states the invariant it checks.
 */
class RotationAttackTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    final Connection cli = RotationFixture.analystCli();

    TokenRecord record() {
        return f.record(cli);
    }

    List<Map<String, String>> activeTokens() {
        return f.activeTokens(cli.user());
    }

    void assertStoredSecretWorks(String when) throws SQLException {
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", record().token()),
                when + ": the secret in Vault logs in with the registered role");
    }

    IncidentResponse incidents(RotationEngine engine) {
        return f.incidents(engine, cli);
    }

    static <T> T quietly(Supplier<T> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static <T> T await(CompletableFuture<T> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- invariant 1

    /**
     * A claimed STORING, then stalled past its lease. B repairs: because the phase is STORING it
     * rotates again with the full grace, which turns A's S1 into a _ROTATED_ row that dies when the
     * grace ends. A then wakes, its record write (CAS on the record version) wins, and its release
     * (CAS conflict, then {@code releaseLatest}) clears B's lease although it is not A's. B's claim
     * fails and B stores nothing. Vault holds S1, which stops logging in 24 h later; sweeps see a
     * current record and an ACTIVE token of that name and report UNCHANGED for the next 7 days.
     */
    @Test
    void aLateOwnerWhoseWriteBeatsTheRepairLeavesASecretThatDiesAtTheEndOfTheGrace() throws Exception {
        RotationEngine a = f.engine(List.of(cli), Strategy.ROTATE);
        a.sweep();
        f.clock.advance(Duration.ofDays(8));
        Pause ownerStored = new Pause(Step.STORING_CLAIMED);
        a.onStep(ownerStored);
        CompletableFuture<RotationEngine.Outcome> late = CompletableFuture.supplyAsync(() -> a.process(cli, Request.SWEEP));
        ownerStored.awaitReached();
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        RotationEngine b = f.engine(List.of(cli), Strategy.ROTATE);
        Pause repairRotated = new Pause(Step.SNOWFLAKE_CHANGED);
        b.onStep(repairRotated);
        CompletableFuture<RotationEngine.Outcome> repair = CompletableFuture.supplyAsync(() -> b.process(cli, Request.SWEEP));
        repairRotated.awaitReached();
        ownerStored.release();
        RotationEngine.Outcome a1 = await(late);
        repairRotated.release();
        RotationEngine.Outcome b1 = await(repair);
        assertStoredSecretWorks("right after (A " + a1 + ", B " + b1 + ")");
        // a day later, with sweeps running as usual
        f.clock.advance(Duration.ofHours(24).plusMinutes(1));
        RotationEngine later = f.engine(List.of(cli), Strategy.ROTATE);
        later.sweep();
        later.sweep();
        assertStoredSecretWorks("24 h later");
    }

    // ---------------------------------------------------------------- invariant 3

    /**
     * An owner claimed STORING, then stalled past its lease (GC pause, partition). A revocation sees
     * no live lease, removes every token, destroys every version and answers complete. The owner
     * wakes and writes its record: the destroyed versions' metadata kept the record version, so its
     * check-and-set succeeds and a version is readable again after a complete revocation.
     */
    @Test
    void aStalledOwnerCannotStoreAfterACompleteRevocation() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        f.clock.advance(Duration.ofDays(8));
        Pause pause = new Pause(Step.STORING_CLAIMED);
        engine.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> stalled = CompletableFuture
                .supplyAsync(() -> engine.process(cli, Request.SWEEP));
        pause.awaitReached();
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        IncidentResponse incidents = incidents(engine);
        IncidentResponse.Revocation r = incidents.revoke(cli, "leak", "oncall", false);
        assertTrue(r.complete(), r.toString());
        pause.release();
        RotationEngine.Outcome o = await(stalled);
        assertEquals(List.of(), activeTokens(), "no token of the user is ACTIVE after a complete revocation (" + o + ")");
        assertTrue(f.store.current(cli.name()).isEmpty(), "nothing becomes readable after a complete revocation (" + o + ")");
        incidents.close();
    }

    /**
     * A state document with keys patrol cannot parse (hand-edited, written by another version in a
     * rolling upgrade): the revocation threw out of {@code suspend} (an unchecked parse error is
     * none of the exceptions {@code attempt} catches), so no token was removed and nothing was
     * destroyed: a leaked secret stayed live while the on-call engineer got a 500.
     */
    @Test
    void aGarbageStateDocumentDoesNotStopARevocation() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        String secret = record().token();
        long v = f.store.state(cli.name()).map(Versioned::version).orElse(0L);
        f.store.writeState(cli.name(), Map.of("intent_op", "REPLACE_V9", "intent_started", "yesterday", "intent_from", "x"), v);
        IncidentResponse incidents = incidents(engine);
        IncidentResponse.Revocation r = incidents.revoke(cli, "leak", "oncall", false);
        assertTrue(r.suspended(), r.toString());
        assertEquals(List.of(), activeTokens(), "every token removed although the state document is unreadable");
        assertTrue(f.store.current(cli.name()).isEmpty(), "nothing readable");
        assertEquals("true", f.store.state(cli.name()).orElseThrow().value().get("suspended"), "the suspension is written");
        assertFalse(r.complete(), "an intent nobody can read may still be in flight: not complete");
        assertTrue(!r.toString().contains(secret), "no secret in the answer");
        // the engine leaves it alone
        assertTrue(f.store.current(cli.name()).isEmpty());
        assertTrue(activeTokens().isEmpty());
        incidents.close();
    }

    // ---------------------------------------------------------------- expire-previous-after=0h

    /**
     * add-remove with {@code expire-previous-after=0h} (a suspected leak): the leaked token is
     * removed only after the lease is released, outside it. A failure or a crash right there (here:
     * Snowflake refuses the removal) leaves the leaked secret working for the whole grace; the
     * stored rotation is reported FAILED, and no later sweep or repair knows the leaked token was
     * meant to go at once.
     */
    @Test
    void zeroHoursAddRemoveStillEndsTheLeakedSecretWhenTheRemovalFails() throws Exception {
        for (Step at : List.of(Step.RECORD_WRITTEN, Step.INTENT_CLEARED)) {
            RotationFixture g = new RotationFixture();
            try {
                RotationEngine engine = g.engine(List.of(cli), Strategy.ADD_REMOVE);
                engine.sweep();
                String leaked = g.store.current(cli.name()).orElseThrow().value().token();
                engine.onStep((step, c) -> {
                    if (step == at)
                        throw new IllegalStateException("Snowflake or process failure (simulated) at " + at);
                });
                RotationEngine.Outcome o = quietly(() -> engine.process(cli, Request.rotateNow("oncall", OptionalInt.of(0))));
                engine.onStep((step, c) -> {
                });
                String stored = g.store.current(cli.name()).orElseThrow().value().token();
                assertEquals("ANALYST_CLI_ROLE", g.loginRole("ANALYST_CLI", stored),
                        at + ": the stored secret works (" + o + ")");
                g.clock.advance(RotationFixture.LEASE.plusSeconds(1));
                RotationEngine next = g.engine(List.of(cli), Strategy.ADD_REMOVE);
                next.sweep();
                next.sweep();
                assertThrows(SQLException.class, () -> g.loginRole("ANALYST_CLI", leaked),
                        at + ": the leaked secret is dead, as 0 h asked");
                assertEquals("ANALYST_CLI_ROLE",
                        g.loginRole("ANALYST_CLI", g.store.current(cli.name()).orElseThrow().value().token()));
            } finally {
                g.close();
            }
        }
    }

    // ---------------------------------------------------------------- a crash inside a repair

    final java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();

    <T> T alive(Supplier<T> call) {
        if (dead.get())
            throw new IllegalStateException("(dead process)");
        return call.get();
    }

    /** Vault as seen by a process that dies right after its first record write (a repair's fence). */
    dev.patrol.vault.SecretStore dyingAfterFirstRecordWrite() {
        dev.patrol.vault.SecretStore real = f.store;
        return new dev.patrol.vault.SecretStore() {
            public java.util.Optional<Versioned<TokenRecord>> current(String c) {
                return alive(() -> real.current(c));
            }

            public java.util.Optional<Versioned<TokenRecord>> version(String c, long v) {
                return alive(() -> real.version(c, v));
            }

            public long currentVersion(String c) {
                return alive(() -> real.currentVersion(c));
            }

            public long write(String c, TokenRecord r, long v) {
                alive(() -> real.write(c, r, v));
                dead.set(true);
                throw new IllegalStateException("(died after the record write)");
            }

            public void destroyAll(String c) {
                alive(() -> {
                    real.destroyAll(c);
                    return null;
                });
            }

            public java.util.Optional<Versioned<Map<String, String>>> state(String n) {
                return alive(() -> real.state(n));
            }

            public long writeState(String n, Map<String, String> st, long v) {
                return alive(() -> real.writeState(n, st, v));
            }

            public List<String> connections() {
                return real.connections();
            }
        };
    }

    dev.patrol.snowflake.SnowflakeAdmin deadWhenDead() {
        dev.patrol.snowflake.SnowflakeAdmin real = f.admin;
        return new dev.patrol.snowflake.SnowflakeAdmin() {
            public UserFacts describeUser(String user) {
                return alive(() -> real.describeUser(user));
            }

            public List<PatInfo> listPats(String user) {
                return alive(() -> real.listPats(user));
            }

            public Added addPat(String u, String n, String r, int d, String c) {
                return alive(() -> real.addPat(u, n, r, d, c));
            }

            public Rotated rotatePat(String u, String n, int h) {
                return alive(() -> real.rotatePat(u, n, h));
            }

            public void removePat(String u, String n) {
                alive(() -> {
                    real.removePat(u, n);
                    return null;
                });
            }

            public void disablePat(String u, String n) {
                alive(() -> {
                    real.disablePat(u, n);
                    return null;
                });
            }

            public void disableUser(String u) {
                alive(() -> {
                    real.disableUser(u);
                    return null;
                });
            }

            public String validate(String u, String r, dev.patrol.snowflake.Secret s) {
                return alive(() -> real.validate(u, r, s));
            }

            public List<Map<String, String>> read(String sql) {
                return alive(() -> real.read(sql));
            }

            public String ping() {
                return real.ping();
            }

            public String account() {
                return real.account();
            }
        };
    }

    /**
     * A rotation's owner claimed STORING and then failed; B repairs it and dies between any two of
     * its steps (here: right after its first record write); C repairs after B's lease. Whatever
     * happened, Vault must hold a secret that still logs in once every grace has passed.
     */
    @Test
    void aRepairThatDiesAfterItsFirstRecordWriteLeavesAWorkingSecret() throws Exception {
        RotationEngine a = f.engine(List.of(cli), Strategy.ROTATE);
        a.sweep();
        f.clock.advance(Duration.ofDays(1));
        a.onStep((step, c) -> {
            if (step == Step.STORING_CLAIMED)
                throw new IllegalStateException("owner failed after claiming STORING (simulated)");
        });
        // an on-call engineer's rotate of a secret that is not due yet
        quietly(() -> a.process(cli, Request.rotateNow("oncall", OptionalInt.empty())));
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        RotationEngine b = f.engine(List.of(cli), Strategy.ROTATE, deadWhenDead(), dyingAfterFirstRecordWrite());
        RotationEngine.Outcome ob = quietly(() -> b.process(cli, Request.SWEEP));
        assertTrue(dead.get(), "B wrote a record and died (" + ob + ")");
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        RotationEngine c = f.engine(List.of(cli), Strategy.ROTATE);
        c.sweep();
        c.sweep();
        assertStoredSecretWorks("after C's repair");
        f.clock.advance(Duration.ofHours(24).plusMinutes(1));
        c.sweep();
        c.sweep();
        assertStoredSecretWorks("once every grace has passed");
    }

    /**
     * A suspension written by hand ({@code vault kv patch ... suspended=TRUE}, or {@code yes}) was
     * read as "not suspended": only the exact string {@code true} counted, so a sweep or an API
     * rotate minted again and the token endpoint served the secret. A suspension fails closed.
     */
    @Test
    void aSuspensionWrittenByHandInAnotherSpellingStillSuspends() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        for (String spelling : List.of("TRUE", "yes", "1")) {
            long v = f.store.state(cli.name()).map(Versioned::version).orElse(0L);
            f.store.writeState(cli.name(), Map.of("suspended", spelling, "suspended_reason", "by hand"), v);
            assertTrue(ConnectionState.read(f.store, cli.name()).suspended(), spelling);
            assertEquals(Result.SUSPENDED, engine.process(cli, Request.rotateNow("oncall", OptionalInt.empty())).result(),
                    spelling);
        }
        long v = f.store.state(cli.name()).map(Versioned::version).orElse(0L);
        f.store.writeState(cli.name(), Map.of("suspended", "false"), v);
        assertFalse(ConnectionState.read(f.store, cli.name()).suspended(), "false lifts it");
        assertEquals(1, f.statementsMatching("ADD PAT") + f.statementsMatching("ROTATE PAT"),
                "nothing minted or rotated while suspended");
    }

    /**
     * A first mint's owner wrote its intent and stalled past its lease; a revocation saw no live
     * lease and answered complete. The owner woke, ran {@code ADD PAT} and died before it could see
     * the suspension and remove its token: an ACTIVE token of the user after a complete revocation,
     * which no sweep removes (the connection is suspended). An owner must not start a Snowflake
     * change on a lease it no longer holds.
     */
    @Test
    void anOwnerWhoseLeaseEndedDoesNotChangeSnowflakeAfterACompleteRevocation() throws Exception {
        dev.patrol.snowflake.SnowflakeAdmin real = deadWhenDead();
        dev.patrol.snowflake.SnowflakeAdmin diesAfterAdd = new dev.patrol.snowflake.SnowflakeAdmin() {
            public UserFacts describeUser(String user) {
                return real.describeUser(user);
            }

            public List<PatInfo> listPats(String user) {
                return real.listPats(user);
            }

            public Added addPat(String u, String n, String r, int d, String c) {
                Added a = real.addPat(u, n, r, d, c);
                dead.set(true);
                throw new IllegalStateException("(died after ADD PAT)");
            }

            public Rotated rotatePat(String u, String n, int h) {
                return real.rotatePat(u, n, h);
            }

            public void removePat(String u, String n) {
                real.removePat(u, n);
            }

            public void disablePat(String u, String n) {
                real.disablePat(u, n);
            }

            public void disableUser(String u) {
                real.disableUser(u);
            }

            public String validate(String u, String r, dev.patrol.snowflake.Secret s) {
                return real.validate(u, r, s);
            }

            public List<Map<String, String>> read(String sql) {
                return real.read(sql);
            }

            public String ping() {
                return real.ping();
            }

            public String account() {
                return real.account();
            }
        };
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE, diesAfterAdd, f.store);
        Pause pause = new Pause(Step.INTENT_WRITTEN);
        engine.onStep(pause);
        CompletableFuture<RotationEngine.Outcome> stalled = CompletableFuture
                .supplyAsync(() -> engine.process(cli, Request.SWEEP));
        pause.awaitReached();
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        IncidentResponse incidents = incidents(f.engine(List.of(cli), Strategy.ROTATE));
        IncidentResponse.Revocation r = incidents.revoke(cli, "leak", "oncall", false);
        assertTrue(r.complete(), r.toString());
        pause.release();
        RotationEngine.Outcome o = await(stalled);
        assertEquals(List.of(), activeTokens(), "nothing becomes ACTIVE after a complete revocation (" + o + ")");
        assertTrue(f.store.current(cli.name()).isEmpty(), "nothing readable");
        incidents.close();
    }
}
