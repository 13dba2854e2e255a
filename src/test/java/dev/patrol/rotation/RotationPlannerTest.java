package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationPlanner.Kind;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.vault.TokenRecord;

/** The planner is pure: state and time in, a plan out. */
class RotationPlannerTest {

    static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    final Connection c = RotationFixture.analystCli();
    final RotationPlanner planner = new RotationPlanner(Strategy.ROTATE);

    static TokenRecord record(String name, String role, Instant created, int days) {
        return new TokenRecord("s", name, "ANALYST_CLI", role, "ACC", created, created.plus(Duration.ofDays(days)), Map.of());
    }

    static PatInfo pat(String name, String status, Instant created, String rotatedTo) {
        return new PatInfo(name, "ANALYST_CLI_ROLE", created.plus(Duration.ofDays(30)), status, "patrol:analyst_cli", created,
                rotatedTo);
    }

    RotationPlanner.Plan plan(Optional<TokenRecord> r, List<PatInfo> pats, Map<String, String> state, Instant now) {
        return planner.plan(c, r, pats, ConnectionState.from(state, 1), now, false);
    }

    @Test
    void mintsWhenThereIsNothingOrTheTokenIsGone() {
        assertEquals(Kind.MINT, plan(Optional.empty(), List.of(), Map.of(), T0).kind());
        Optional<TokenRecord> r = Optional.of(record("PATROL_ANALYST_CLI", "ANALYST_CLI_ROLE", T0, 30));
        assertEquals(Kind.MINT, plan(r, List.of(), Map.of(), T0.plusSeconds(60)).kind());
        assertEquals(Kind.MINT,
                plan(r, List.of(pat("PATROL_ANALYST_CLI", "EXPIRED", T0, null)), Map.of(), T0.plusSeconds(60)).kind());
        assertEquals(Kind.BLOCKED,
                plan(r, List.of(pat("PATROL_ANALYST_CLI", "DISABLED", T0, null)), Map.of(), T0.plusSeconds(60)).kind());
    }

    @Test
    void rotatesWhenOlderThanThePeriodOrCloseToExpiry() {
        Optional<TokenRecord> r = Optional.of(record("PATROL_ANALYST_CLI", "ANALYST_CLI_ROLE", T0, 30));
        List<PatInfo> pats = List.of(pat("PATROL_ANALYST_CLI", "ACTIVE", T0, null));
        assertEquals(Kind.NOTHING, plan(r, pats, Map.of(), T0.plus(Duration.ofDays(7)).minusSeconds(1)).kind());
        assertEquals(Kind.ROTATE, plan(r, pats, Map.of(), T0.plus(Duration.ofDays(7))).kind());
        assertEquals(Kind.REPLACE, new RotationPlanner(Strategy.ADD_REMOVE)
                .plan(c, r, pats, ConnectionState.NONE, T0.plus(Duration.ofDays(7)), false).kind());
        Connection longPeriod = new Connection("analyst_cli", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE", Optional.empty(),
                Optional.empty(),
                Optional.empty(), Duration.ofDays(60), Duration.ofHours(24), 30);
        // period longer than the lifetime: rotate when expiry is within period + grace
        assertEquals(Kind.ROTATE, planner.plan(longPeriod, r, pats, ConnectionState.NONE, T0.plusSeconds(60), false).kind());
    }

    @Test
    void replacesWhenRoleOrLifetimeChanged() {
        List<PatInfo> pats = List.of(pat("PATROL_ANALYST_CLI", "ACTIVE", T0, null));
        assertEquals(Kind.REPLACE,
                plan(Optional.of(record("PATROL_ANALYST_CLI", "OLD_ROLE", T0, 30)), pats, Map.of(), T0.plusSeconds(9)).kind());
        assertEquals(Kind.REPLACE,
                plan(Optional.of(record("PATROL_ANALYST_CLI", "ANALYST_CLI_ROLE", T0, 60)), pats, Map.of(), T0.plusSeconds(9))
                        .kind());
    }

    @Test
    void suspendedAndInterruptedConnectionsComeFirst() {
        assertEquals(Kind.SUSPENDED, plan(Optional.empty(), List.of(), Map.of("suspended", "true"), T0).kind());
        Intent intent = new Intent(Intent.Op.ROTATE, "PATROL_ANALYST_CLI", "replica-a/rotate-1", T0,
                T0.plus(Duration.ofMinutes(10)), 3,
                Intent.Phase.CHANGING,
                new Intent.Before("PATROL_ANALYST_CLI", T0.minus(Duration.ofDays(7)), T0.plus(Duration.ofDays(23))));
        ConnectionState leased = ConnectionState.NONE.withIntent(intent);
        assertEquals(Kind.BUSY,
                planner.plan(c, Optional.empty(), List.of(), leased, T0.plus(Duration.ofMinutes(9)), true).kind(),
                "a live lease is its owner's alone");
        assertEquals(Kind.REPAIR,
                planner.plan(c, Optional.empty(), List.of(), leased, T0.plus(Duration.ofMinutes(10)), false).kind(),
                "an expired lease is repaired");
        ConnectionState back = ConnectionState.from(leased.withBlocked(new ConnectionState.Blocked("x", T0)).toMap(), 4);
        assertEquals(Optional.of(intent), back.intent(), "an intent survives the round trip through Vault's strings");
        assertEquals(Map.of("blocked_reason", "x", "blocked_at", T0.toString()), back.withIntent(null).toMap());
    }

    @Test
    void rotateNowIsAnInputNotAnOverride() {
        Optional<TokenRecord> r = Optional.of(record("PATROL_ANALYST_CLI", "ANALYST_CLI_ROLE", T0, 30));
        List<PatInfo> pats = List.of(pat("PATROL_ANALYST_CLI", "ACTIVE", T0, null));
        assertEquals(Kind.ROTATE, planner.plan(c, r, pats, ConnectionState.NONE, T0.plusSeconds(60), true).kind());
        assertEquals(Kind.NOTHING, planner.plan(c, r, pats, ConnectionState.NONE, T0.plusSeconds(60), false).kind());
        assertEquals(Kind.MINT, planner.plan(c, Optional.empty(), List.of(), ConnectionState.NONE, T0, true).kind(),
                "nothing to rotate: mint");
        assertEquals(Kind.REPLACE,
                planner.plan(c, Optional.of(record("PATROL_ANALYST_CLI", "OLD_ROLE", T0, 30)), pats, ConnectionState.NONE,
                        T0.plusSeconds(60), true).kind(),
                "a changed role still replaces");
    }

    @Test
    void cleanupTouchesOnlyPatrolsOwnOldTokens() {
        Instant rotatedAt = T0.plus(Duration.ofDays(7));
        Optional<TokenRecord> r = Optional.of(record("PATROL_ANALYST_CLI", "ANALYST_CLI_ROLE", rotatedAt, 30));
        List<PatInfo> pats = List.of(
                pat("PATROL_ANALYST_CLI", "ACTIVE", rotatedAt, null),
                pat("PATROL_ANALYST_CLI_ROTATED_1", "ACTIVE", T0, "PATROL_ANALYST_CLI"),
                pat("PATROL_ANALYST_CLI_ROTATED_0", "EXPIRED", T0, "PATROL_ANALYST_CLI"),
                pat("PATROL_ANALYST_CLI_20261101000000", "ACTIVE", T0, null),
                pat("SOMEONE_ELSES", "EXPIRED", T0, null));
        assertEquals(List.of("PATROL_ANALYST_CLI_ROTATED_0"), plan(r, pats, Map.of(), rotatedAt.plusSeconds(60)).remove());
        assertEquals(List.of("PATROL_ANALYST_CLI_ROTATED_0", "PATROL_ANALYST_CLI_20261101000000"),
                plan(r, pats, Map.of(), rotatedAt.plus(Duration.ofHours(24))).remove());
        // a token newer than the record is a lost secret: it goes at once
        List<PatInfo> lost = List.of(pat("PATROL_ANALYST_CLI", "ACTIVE", rotatedAt, null),
                pat("PATROL_ANALYST_CLI_20261109000000", "ACTIVE", rotatedAt.plusSeconds(30), null));
        assertEquals(List.of("PATROL_ANALYST_CLI_20261109000000"), plan(r, lost, Map.of(), rotatedAt.plusSeconds(60)).remove());
    }

    @Test
    void tokenNamesAreDerivedFromTheConnection() {
        Connection dashed = RotationFixture.connection("data-eng", "DATA_ENG_CLI", "DATA_ENG_ROLE");
        assertEquals("PATROL_DATA_ENG", RotationPlanner.tokenName(dashed));
        assertEquals("PATROL_DATA_ENG_20261101000000", RotationPlanner.replacementName(dashed, T0));
    }

    static PatInfo pat(String name, String comment, String rotatedTo) {
        return new PatInfo(name, "ANALYST_ROLE", T0.plus(Duration.ofDays(30)), "ACTIVE", comment, T0, rotatedTo);
    }

    @Test
    void ownershipIsExactNotAPrefix() {
        Connection analyst = RotationFixture.connection("analyst", "ANALYST_SVC", "ANALYST_ROLE");
        String mine = "patrol:analyst";
        assertTrue(RotationPlanner.ours(pat("PATROL_ANALYST", mine, null), analyst));
        assertTrue(RotationPlanner.ours(pat("PATROL_ANALYST_20261130101010", mine, null), analyst));
        assertTrue(RotationPlanner.ours(pat("PATROL_ANALYST_ROTATED_123", mine, "PATROL_ANALYST"), analyst));
        assertTrue(RotationPlanner.ours(
                pat("PATROL_ANALYST_20261130101010_ROTATED_1764496210000", mine, "PATROL_ANALYST_20261130101010"), analyst));
        // a rotated remain may come back without its comment
        assertTrue(RotationPlanner.ours(pat("PATROL_ANALYST_ROTATED_123", null, "PATROL_ANALYST"), analyst));

        // another connection's names, near misses of the stamp, other suffixes
        for (String name : List.of("PATROL_ANALYST_XL", "PATROL_ANALYST_XL_20261130101010", "PATROL_ANALYST_2026113010101",
                "PATROL_ANALYST_202611301010101", "PATROL_ANALYST_ROTATED_", "PATROL_ANALYST_ROTATED_12X", "PATROL_ANALYSTS",
                "PATROL_ANALYST_", "patrol_analyst", "XPATROL_ANALYST", "PATROL_ANALYST_ROTATED_1_ROTATED_2")) {
            assertFalse(RotationPlanner.ours(pat(name, mine, null), analyst), name);
        }
        // the right name with another connection's comment, a prefix of it, or none at all on a live token
        assertFalse(RotationPlanner.ours(pat("PATROL_ANALYST", "patrol:analyst_xl", null), analyst));
        assertFalse(RotationPlanner.ours(pat("PATROL_ANALYST", "patrol:analyst ", null), analyst));
        assertFalse(RotationPlanner.ours(pat("PATROL_ANALYST", "patrol:", null), analyst));
        assertFalse(RotationPlanner.ours(pat("PATROL_ANALYST", null, null), analyst));
        assertFalse(RotationPlanner.ours(pat("PATROL_ANALYST_ROTATED_5", "handmade", "PATROL_ANALYST"), analyst));
        // a-b and a_b share a token name; the comment tells them apart
        Connection dashed = RotationFixture.connection("a-b", "AB_SVC", "ANALYST_ROLE");
        Connection underscored = RotationFixture.connection("a_b", "AB_SVC", "ANALYST_ROLE");
        assertTrue(RotationPlanner.ours(pat("PATROL_A_B", "patrol:a-b", null), dashed));
        assertFalse(RotationPlanner.ours(pat("PATROL_A_B", "patrol:a-b", null), underscored));
    }

    @Test
    void cleanupLeavesAnotherConnectionsTokensOnTheSameUser() {
        Connection analyst = RotationFixture.connection("analyst", "ANALYST_SVC", "ANALYST_ROLE");
        Optional<TokenRecord> r = Optional.of(record("PATROL_ANALYST", "ANALYST_ROLE", T0, 30));
        List<PatInfo> pats = List.of(pat("PATROL_ANALYST", "patrol:analyst", null),
                pat("PATROL_ANALYST_XL", "patrol:analyst_xl", null),
                pat("PATROL_ANALYST_XL_20261101000000", "patrol:analyst_xl", null),
                pat("PATROL_ANALYST_20261001000000", "patrol:analyst", null));
        assertEquals(List.of("PATROL_ANALYST_20261001000000"),
                planner.plan(analyst, r, pats, ConnectionState.NONE, T0.plus(Duration.ofDays(2)), false).remove());
    }
}
