package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.incident.IncidentResponse;
import dev.patrol.registry.Connection;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.Versioned;

/**
 * A revocation of a connection that is suspended already (a second break glass, a revoke after a revoke-all) keeps the
 * first suspension, but must still win over a resume that lands while it runs: README "A revocation always wins".
 * The resume is injected at a step boundary of the revocation; nothing sleeps.
 */
class ResumeDuringRevocationTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    final Connection c = RotationFixture.analystCli();

    /**
     * The revocation reads the state (suspended by an earlier incident), then a resume lifts the suspension and mints
     * before the revocation acts on what it read. The revocation must not go on as if the connection were still
     * suspended: it would remove the tokens and report complete while the connection is live again, and the next sweep
     * would mint and store a secret after the revocation said it was complete.
     */
    @Test
    void aResumeRightAfterTheRevocationReadTheStateDoesNotWin() {
        RotationEngine engine = f.engine(List.of(c), Strategy.ROTATE);
        engine.sweep();
        IncidentResponse oncallA = f.incidents(engine, c);
        assertTrue(oncallA.revoke(c, "leak INC-1", "oncall-a", false).complete());

        AtomicBoolean armed = new AtomicBoolean(true);
        AtomicReference<RotationEngine.Outcome> resumed = new AtomicReference<>();
        SecretStore racing = AccountIsolationTest.around(SecretStore.class, f.store, null, (method, args) -> {
            // right after the revocation's first read of the state document, before it acts on it
            if (method.equals("state") && armed.getAndSet(false))
                resumed.set(oncallA.resume(c, "oncall-b"));
        });
        IncidentResponse oncallC = f.incidents(engine, f.accounts(f.admin), racing, List.of(c));
        IncidentResponse.Revocation r = oncallC.revoke(c, "break glass INC-2", "oncall-c", false);
        assertEquals(RotationEngine.Result.MINTED, resumed.get().result(), "the resume landed and minted");

        assertTrue(r.complete(), r.toString());
        assertTrue(ConnectionState.read(f.store, c.name()).suspended(),
                "a revocation that reports complete leaves the connection suspended");
        assertEquals(RotationEngine.Result.SUSPENDED, engine.sweep().of(c.name()).orElseThrow().result(),
                "so the next sweep mints nothing");
        assertTrue(f.store.current(c.name()).isEmpty(), "no readable secret");
        assertEquals(List.of(), f.activeTokens(c.user()), "no token");
    }

    /**
     * A resume that lands after the revocation wrote its suspension (here: right after it, before any token is removed)
     * lifts it while the revocation goes on to remove the tokens and destroy the secret; the connection is then live
     * again (the next sweep, or the resume's own mint if it lands later, stores a new secret). The revocation must not
     * report that as complete: it says the connection was resumed meanwhile, so that whoever revoked revokes again.
     */
    @Test
    void aRevocationDuringWhichTheConnectionWasResumedIsNotComplete() {
        RotationEngine engine = f.engine(List.of(c), Strategy.ROTATE);
        engine.sweep();
        IncidentResponse incidents = f.incidents(engine, c);
        AtomicBoolean armed = new AtomicBoolean(true);
        AtomicReference<RotationEngine.Outcome> resumed = new AtomicReference<>();
        incidents.afterSuspend(() -> {
            if (armed.getAndSet(false))
                resumed.set(incidents.resume(c, "oncall-b"));
        });
        IncidentResponse.Revocation r = incidents.revoke(c, "leak INC-3", "oncall-a", false);
        assertEquals(RotationEngine.Result.UNCHANGED, resumed.get().result(), "the resume landed (the secret was still there)");

        assertFalse(ConnectionState.read(f.store, c.name()).suspended(), "the resume came after the suspension");
        assertFalse(r.complete(), r.toString());
        assertTrue(r.failures().stream().anyMatch(x -> x.contains("resumed by oncall-b")), r.failures().toString());
        assertEquals(RotationEngine.Result.MINTED, engine.sweep().of(c.name()).orElseThrow().result(),
                "the connection is live again: the next sweep mints");
        // revoking again wins
        assertTrue(incidents.revoke(c, "leak INC-3", "oncall-a", false).complete());
        assertEquals(RotationEngine.Result.SUSPENDED, engine.sweep().of(c.name()).orElseThrow().result());
    }

    /**
     * A suspension written by hand in another spelling ({@code TRUE}) suspends (patrol fails closed), but the history and
     * the status page read only {@code true}; a revocation must leave a suspension they see, keeping its reason.
     */
    @Test
    void aRevocationOfAHandWrittenSuspensionLeavesOneEveryReaderSees() {
        RotationEngine engine = f.engine(List.of(c), Strategy.ROTATE);
        engine.sweep();
        long v = f.store.state(c.name()).map(Versioned::version).orElse(0L);
        f.store.writeState(c.name(), Map.of(ConnectionState.SUSPENDED, "TRUE", ConnectionState.SUSPENDED_REASON,
                "hand-written during INC-7"), v);
        assertTrue(ConnectionState.read(f.store, c.name()).suspended(), "patrol reads it as suspended");

        assertTrue(f.incidents(engine, c).revoke(c, "INC-7", "oncall", false).complete());
        Map<String, String> doc = f.store.state(c.name()).orElseThrow().value();
        assertEquals("true", doc.get(ConnectionState.SUSPENDED), doc.toString());
        assertEquals("hand-written during INC-7", doc.get(ConnectionState.SUSPENDED_REASON), "the first suspension stays");
    }
}
