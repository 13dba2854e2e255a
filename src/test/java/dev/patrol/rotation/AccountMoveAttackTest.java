package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;

/**
 * A record whose account differs from the connection's account identifier, while the recorded token is patrol's in
 * this account: the same account written another way (a locator changed for the organization name). The secret
 * people hold is live here and must keep its grace, not be removed as a stranger's.
 */
class AccountMoveAttackTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void anAccountIdentifierWrittenAnotherWayDoesNotEndTheSecretPeopleHold(Strategy strategy) throws Exception {
        Connection c = RotationFixture.analystCli();
        RotationEngine engine = f.engine(java.util.List.of(c), strategy);
        assertEquals(RotationEngine.Result.MINTED, engine.sweep().of(c.name()).orElseThrow().result());
        // The record as written while the account was configured as its locator.
        Versioned<TokenRecord> v = f.store.current(c.name()).orElseThrow();
        TokenRecord r = v.value();
        f.store.write(c.name(), new TokenRecord(r.token(), r.tokenName(), r.user(), r.role(), "XY12345.EU-WEST-1",
                r.createdAt(), r.expiresAt(), r.parameters()), v.version());

        RotationEngine.Outcome o = engine.sweep().of(c.name()).orElseThrow();
        assertEquals("ANALYST_CLI_ROLE", f.loginRole(c.user(), r.token()),
                "the secret people hold still logs in after " + o);
        TokenRecord now = f.record(c);
        assertEquals("PATROLDEV", now.account(), "the record names the account as configured now");
        assertNotEquals(r.token(), now.token());
        assertEquals("ANALYST_CLI_ROLE", f.loginRole(c.user(), now.token()));
        assertTrue(f.activeTokens(c.user()).stream().anyMatch(t -> t.get("name").equals(r.tokenName())),
                "the recorded token keeps its grace");

        // settled: the next sweep changes nothing
        assertEquals(RotationEngine.Result.UNCHANGED, engine.sweep().of(c.name()).orElseThrow().result());
    }
}
