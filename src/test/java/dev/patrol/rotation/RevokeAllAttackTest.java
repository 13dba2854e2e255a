package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.Accounts;
import dev.patrol.vault.SecretStore;

/** Break glass against a Vault that is slow to answer for one connection. */
class RevokeAllAttackTest {

    static final long WAIT_SECONDS = 30;

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    /** A second break glass (or a revocation after it) must not erase who suspended the connections, when and why. */
    @Test
    void aSecondRevocationKeepsTheFirstSuspension() {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
        RotationEngine engine = f.engine(all, Strategy.ROTATE, accounts, 2);
        engine.sweep();
        IncidentResponse incidents = f.incidents(engine, accounts, f.store, all);
        assertTrue(incidents.revokeAll("leak INC-1", "oncall-a", false).get(0).complete());
        ConnectionState.Suspension first = ConnectionState.read(f.store, "a1").suspension();

        f.clock.advance(java.time.Duration.ofMinutes(5));
        assertTrue(incidents.revokeAll("drill", "oncall-b", false).get(0).complete(), "a second revoke-all still revokes");
        assertTrue(incidents.revoke(all.get(0), "again", "oncall-c", false).complete());
        assertEquals(first, ConnectionState.read(f.store, "a1").suspension());
        assertEquals("leak INC-1", first.reason());
        assertEquals("oncall-a", first.by());
    }

    /**
     * The suspensions revoke-all writes before revoking anything must not queue behind each other: a Vault call that
     * hangs until its read timeout for one connection would otherwise delay every other connection's suspension, and
     * so every revocation, by one timeout per connection.
     */
    @Test
    void oneSlowSuspensionDoesNotHoldUpTheOthers() throws Exception {
        f.addCliUser("A2_CLI", "A2_ROLE");
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("a2", "default", "A2_CLI", "A2_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        Accounts accounts = f.bothAccounts(f.admin, f.secondAdmin());
        RotationEngine engine = f.engine(all, Strategy.ROTATE, accounts, 4);
        engine.sweep();

        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch othersSuspended = new CountDownLatch(2);
        AtomicBoolean holdOnce = new AtomicBoolean(true);
        SecretStore slow = AccountIsolationTest.around(SecretStore.class, f.store, (method, args) -> {
            if (method.equals("state") && args[0].equals("a1") && holdOnce.getAndSet(false)) {
                entered.countDown();
                assertTrue(release.await(WAIT_SECONDS, TimeUnit.SECONDS), "the test never released Vault");
            }
        }, (method, args) -> {
            if (method.equals("writeState") && !args[0].equals("a1") && ConnectionState.read(f.store, (String) args[0])
                    .suspended())
                othersSuspended.countDown();
        });
        IncidentResponse incidents = f.incidents(engine, accounts, slow, all);
        CompletableFuture<List<IncidentResponse.Revocation>> revoking = CompletableFuture
                .supplyAsync(() -> incidents.revokeAll("drill", "oncall", false));
        try {
            assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "a1's suspension reached Vault");
            assertTrue(othersSuspended.await(WAIT_SECONDS, TimeUnit.SECONDS),
                    "a2 and b1 were suspended while a1's Vault call hung");
            assertFalse(revoking.isDone());
        } finally {
            release.countDown();
        }
        assertTrue(revoking.get(WAIT_SECONDS, TimeUnit.SECONDS).stream().allMatch(IncidentResponse.Revocation::complete));
    }
}
