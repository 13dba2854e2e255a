package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine.Result;
import dev.patrol.vault.SecretStore;

/** One account's sweep parts on this replica: what one part leaves behind never touches the next. */
class SweepPartsTest {

    static final long WAIT_SECONDS = 30;

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    /**
     * A lock heartbeat of a finished part, still waiting on Vault when the part ends, whose renewal then fails (the lock
     * was released and taken again meanwhile) must not count as the next part losing its lock: that part would abandon
     * its connections and, believing the lock lost, never release it.
     */
    @Test
    void aLateHeartbeatOfTheLastPartDoesNotAbandonTheNextOne() throws Exception {
        f.addCliUser("A2_CLI", "A2_ROLE");
        List<Connection> all = List.of(RotationFixture.analystCli(), RotationFixture.connection("a2", "A2_CLI", "A2_ROLE"));
        AtomicReference<Thread> staleHeartbeat = new AtomicReference<>();
        CountDownLatch heartbeatRead = new CountDownLatch(1);
        CountDownLatch heartbeatMayWrite = new CountDownLatch(1);
        // while set, a part holds at its first connection (its state read) until let go
        AtomicBoolean holdFirstConnection = new AtomicBoolean();
        Semaphore firstConnectionHeld = new Semaphore(0);
        Semaphore firstConnectionMayGo = new Semaphore(0);
        SecretStore store = (SecretStore) Proxy.newProxyInstance(SecretStore.class.getClassLoader(),
                new Class<?>[] { SecretStore.class }, (proxy, method, args) -> {
                    if (method.getName().equals("writeState") && args[0].equals(SweepLock.NAME)
                            && Thread.currentThread() == staleHeartbeat.get()) {
                        heartbeatRead.countDown();
                        assertTrue(heartbeatMayWrite.await(WAIT_SECONDS, TimeUnit.SECONDS));
                    }
                    if (method.getName().equals("state") && args[0].equals("a2")
                            && holdFirstConnection.compareAndSet(true, false)) {
                        firstConnectionHeld.release();
                        assertTrue(firstConnectionMayGo.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS));
                    }
                    try {
                        return method.invoke(f.store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        // one worker: the account's connections are taken one after another, a2 first
        RotationEngine engine = f.engine(all, Strategy.ROTATE, f.admin, store, 1);

        // The first part holds at its first connection while its heartbeat reads the lock, then stalls on Vault.
        holdFirstConnection.set(true);
        CompletableFuture<RotationEngine.SweepReport> first = CompletableFuture.supplyAsync(engine::sweep);
        assertTrue(firstConnectionHeld.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS));
        Thread heartbeat = new Thread(engine::renewSweepLock, "stale-heartbeat");
        staleHeartbeat.set(heartbeat);
        heartbeat.start();
        assertTrue(heartbeatRead.await(WAIT_SECONDS, TimeUnit.SECONDS));
        firstConnectionMayGo.release();
        assertEquals(Result.MINTED, first.get(WAIT_SECONDS, TimeUnit.SECONDS).of("analyst_cli").orElseThrow().result());

        // The next part takes the lock again and holds at its first connection; now the stale renewal fails.
        holdFirstConnection.set(true);
        CompletableFuture<RotationEngine.SweepReport> next = CompletableFuture.supplyAsync(engine::sweep);
        assertTrue(firstConnectionHeld.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS));
        heartbeatMayWrite.countDown();
        heartbeat.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        firstConnectionMayGo.release();
        RotationEngine.SweepReport report = next.get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertEquals(Result.UNCHANGED, report.of("analyst_cli").orElseThrow().result(), report.outcomes().toString());
        assertEquals("", f.store.state(SweepLock.NAME).orElseThrow().value().get("holder"),
                "the next part released its lock");
    }

    /**
     * A part that fails outside its per-connection guard (here an unreadable sweep lock of the second account, as a
     * hand-edited lock document makes it) costs that account's part only: the other account's outcomes are reported.
     */
    @Test
    void aPartFailingOutsideItsConnectionsCostsOnlyItsAccount() {
        List<Connection> all = List.of(RotationFixture.connection("a1", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE"),
                RotationFixture.connection("b1", "second", "ANALYST_CLI", "ANALYST_CLI_ROLE"));
        f.store.writeState(SweepLock.name("second"), java.util.Map.of("holder", "someone", "expires_at", "soon"), 0);
        RotationEngine engine = f.engine(all, Strategy.ROTATE, f.bothAccounts(f.admin, f.secondAdmin()), 2);

        RotationEngine.SweepReport report = engine.sweep();

        assertEquals(Result.MINTED, report.of("a1").orElseThrow().result(), report.toString());
        RotationEngine.Part second = report.parts().stream().filter(p -> p.account().equals("second")).findFirst()
                .orElseThrow();
        assertFalse(second.ran(), second.toString());
        assertTrue(second.detail().contains("DateTimeParseException"), second.detail());
        assertTrue(f.store.current("b1").isEmpty());
        assertTrue(report.ran());
    }
}
