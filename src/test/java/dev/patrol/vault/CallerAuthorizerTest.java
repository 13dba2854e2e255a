package dev.patrol.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.AdjustableClock;

/**
 * The caller cache's bound, on the Vault emulator with the cache's clock moved by hand: a revoked token or a
 * lost capability stops working within the ttl, a refusal is re-checked no later than a grant, and a
 * full cache stays bounded.
 */
class CallerAuthorizerTest {

    static final Duration TTL = Duration.ofSeconds(10);

    final VaultTarget vault = new VaultTarget();
    /** The cache's own clock, standing still between steps (the emulator's runs on; its tokens live an hour). */
    final AdjustableClock clock = new AdjustableClock(Clock.fixed(Instant.parse("2026-11-30T04:00:00Z"), ZoneOffset.UTC));
    String path;

    @BeforeEach
    void emulatorOnly() throws Exception {
        Assumptions.assumeTrue(vault.isEmulator(), "counts the emulator's requests");
        path = "secret/data/" + vault.prefix + "/analyst_cli";
        vault.putPolicy("reader", "path \"" + path + "\" { capabilities = [\"read\"] }");
    }

    @AfterEach
    void stop() throws Exception {
        vault.close();
    }

    CallerAuthorizer authorizer(int maxEntries) {
        return new CallerAuthorizer(vault.session(vault.rootToken), clock, TTL, maxEntries);
    }

    int vaultCalls() {
        return vault.emulator.requests().size();
    }

    @Test
    void aRevokedTokenStopsWorkingWithinTheTtl() throws Exception {
        String developer = vault.createToken("reader", "1h");
        CallerAuthorizer auth = authorizer(100);
        assertTrue(auth.decide(developer, path, "read").allows("read"));
        vault.call("POST", "auth/token/revoke", "{\"token\":\"" + developer + "\"}");
        clock.advance(TTL.minusMillis(1));
        // the documented window: the grant may still be reused just short of the ttl...
        assertTrue(auth.decide(developer, path, "read").validToken());
        clock.advance(Duration.ofMillis(1));
        // ...and never at or past it
        assertFalse(auth.decide(developer, path, "read").validToken());
    }

    @Test
    void aLostCapabilityStopsWorkingWithinTheTtl() throws Exception {
        String developer = vault.createToken("reader", "1h");
        CallerAuthorizer auth = authorizer(100);
        assertTrue(auth.decide(developer, path, "read").allows("read"));
        vault.putPolicy("reader", "path \"secret/data/elsewhere\" { capabilities = [\"read\"] }");
        clock.advance(TTL);
        CallerAuthorizer.Decision d = auth.decide(developer, path, "read");
        assertTrue(d.validToken());
        assertFalse(d.allows("read"));
    }

    @Test
    void aRefusalIsRecheckedNoLaterThanAGrant() throws Exception {
        CallerAuthorizer auth = authorizer(100);
        assertTrue(auth.refusalTtl().compareTo(auth.grantTtl()) <= 0);
        assertTrue(auth.refusalTtl().compareTo(TTL) <= 0);
        String granted = vault.createToken("reader", "1h");
        vault.putPolicy("later", "path \"secret/data/elsewhere\" { capabilities = [\"read\"] }");
        String refused = vault.createToken("later", "1h");
        assertTrue(auth.decide(granted, path, "read").allows("read"));
        assertFalse(auth.decide(refused, path, "read").allows("read"));
        assertFalse(auth.decide("not-a-token", path, "read").validToken());

        // the refused token gains the capability: it works once the (shorter) refusal window passes
        vault.putPolicy("later", "path \"" + path + "\" { capabilities = [\"read\"] }");
        clock.advance(auth.refusalTtl());
        int before = vaultCalls();
        assertTrue(auth.decide(refused, path, "read").allows("read"));
        assertFalse(auth.decide("not-a-token", path, "read").validToken());
        assertEquals(2, vaultCalls() - before, "both refusals were asked again");
        assertTrue(auth.decide(granted, path, "read").allows("read"));
        assertEquals(2, vaultCalls() - before, "the grant, asked at the same time, is still reused");

        // a grant of 'read' is a refusal of 'update': that question is not answered from a grant's window
        clock.advance(auth.refusalTtl().minusMillis(1));
        before = vaultCalls();
        assertTrue(auth.decide(granted, path, "read").allows("read"));
        assertEquals(0, vaultCalls() - before);
        clock.advance(Duration.ofMillis(1));
        before = vaultCalls();
        auth.decide(granted, path, "update");
        assertEquals(1, vaultCalls() - before);
    }

    @Test
    void aFullCacheStaysBoundedAndKeepsWhatIsInUse() throws Exception {
        String developer = vault.createToken("reader", "1h");
        CallerAuthorizer auth = authorizer(8);
        assertTrue(auth.decide(developer, path, "read").allows("read"));
        int before = vaultCalls();
        for (int i = 0; i < 200; i++) {
            assertFalse(auth.decide("bogus-" + i, path, "read").validToken());
            // the caller in use stays cached however many strangers pass: least recently used goes first
            assertTrue(auth.decide(developer, path, "read").allows("read"));
            assertTrue(auth.cachedAnswers() <= 8, "size " + auth.cachedAnswers());
        }
        assertEquals(200, vaultCalls() - before, "one call per stranger, none for the caller in use");
        assertEquals(8, auth.cachedAnswers());
        // an evicted stranger is simply asked again
        before = vaultCalls();
        auth.decide("bogus-0", path, "read");
        assertEquals(1, vaultCalls() - before);
    }

    @Test
    void aZeroTtlAsksEveryTime() throws Exception {
        String developer = vault.createToken("reader", "1h");
        CallerAuthorizer auth = new CallerAuthorizer(vault.session(vault.rootToken), clock, Duration.ZERO);
        int before = vaultCalls();
        auth.decide(developer, path, "read");
        auth.decide(developer, path, "read");
        assertEquals(2, vaultCalls() - before);
    }
}
