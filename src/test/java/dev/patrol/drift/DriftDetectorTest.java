package dev.patrol.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationTestAccess;

/** Drift findings and actions against the Snowflake emulator (issue 7, drift). */
class DriftDetectorTest {

    final RotationTestAccess.Fixture f = RotationTestAccess.fixture();
    final Connection cli = RotationTestAccess.connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE");

    @AfterEach
    void stop() {
        f.close();
    }

    DriftDetector detector(Map<String, String> actions) {
        Map<String, PatrolConfig.Drift.Action> byKind = new java.util.HashMap<>();
        actions.forEach((k, v) -> byKind.put(k, PatrolConfig.Drift.Action.valueOf(v.toUpperCase(java.util.Locale.ROOT))));
        return new DriftDetector(f.accounts(), f.store(), new ConnectionRegistry(List.of(cli)), new AuditLog(f.clock()),
                f.clock(),
                new DriftDetector.Actions(byKind),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    Set<String> kinds(DriftDetector.Report r) {
        return r.findings().stream().map(x -> x.kind().key()).collect(Collectors.toSet());
    }

    List<String> tokens() {
        return f.sql("SHOW USER PATS FOR USER ANALYST_CLI").stream().map(m -> m.get("name") + ":" + m.get("status")).toList();
    }

    @Test
    void aCleanConnectionHasNoFindings() {
        f.engine(List.of(cli), Strategy.ROTATE, 2).sweep();
        assertEquals(List.of(), detector(Map.of()).scan().findings());
    }

    @Test
    void foreignUnrestrictedAndWrongRoleTokensAreReported() {
        f.engine(List.of(cli), Strategy.ROTATE, 2).sweep();
        f.sql("ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        f.sql("ALTER USER ANALYST_CLI ADD PAT PUBLIC_ONLY ROLE_RESTRICTION = 'PUBLIC'");
        f.sql("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = FALSE)");
        f.sql("ALTER USER ANALYST_CLI ADD PAT OPEN_ENDED");
        // patrol-looking, but not exactly one of this connection's names: foreign, like the planner sees it
        f.sql("ALTER USER ANALYST_CLI ADD PAT PATROL_ANALYST_CLI_XL ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' COMMENT = 'patrol:analyst_cli'");
        DriftDetector.Report r = detector(Map.of()).scan();
        Map<String, Set<String>> byToken = r.findings().stream().filter(x -> x.token() != null)
                .collect(Collectors.groupingBy(DriftDetector.Finding::token,
                        Collectors.mapping(x -> x.kind().key(), Collectors.toSet())));
        assertEquals(Set.of("foreign-token"), byToken.get("HANDMADE"));
        assertEquals(Set.of("foreign-token", "wrong-role-token"), byToken.get("PUBLIC_ONLY"));
        assertEquals(Set.of("foreign-token", "unrestricted-token"), byToken.get("OPEN_ENDED"));
        assertEquals(Set.of("foreign-token"), byToken.get("PATROL_ANALYST_CLI_XL"));
        assertFalse(byToken.containsKey("PATROL_ANALYST_CLI"), "patrol's own token is clean");
        assertTrue(r.findings().stream().allMatch(x -> x.outcome().equals("reported")), "default action: report");
        assertEquals(5, tokens().size(), "nothing was touched");
    }

    @Test
    void actionsRemoveOrDisableButNeverTheRecordedSecret() {
        f.engine(List.of(cli), Strategy.ROTATE, 2).sweep();
        f.sql("ALTER USER ANALYST_CLI ADD PAT HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        f.sql("ALTER USER ANALYST_CLI ADD PAT PUBLIC_ONLY ROLE_RESTRICTION = 'PUBLIC'");
        DriftDetector.Report r = detector(Map.of("foreign-token", "remove", "wrong-role-token", "disable")).scan();
        assertTrue(tokens().contains("PATROL_ANALYST_CLI:ACTIVE"));
        assertFalse(tokens().stream().anyMatch(t -> t.startsWith("HANDMADE")));
        assertTrue(r.findings().stream().anyMatch(x -> x.token().equals("HANDMADE") && x.outcome().equals("removed")));
    }

    @Test
    void userDriftAndTheTokenLimit() {
        f.engine(List.of(cli), Strategy.ROTATE, 2).sweep();
        for (int i = 0; i < 12; i++)
            f.sql("ALTER USER ANALYST_CLI ADD PAT T" + i + " ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        f.sql("GRANT ROLE SYSADMIN TO USER ANALYST_CLI");
        f.sql("ALTER USER ANALYST_CLI SET TYPE = PERSON");
        Set<String> kinds = kinds(detector(Map.of()).scan());
        assertTrue(kinds.containsAll(Set.of("token-limit", "extra-roles", "user-not-service", "foreign-token")),
                kinds.toString());
        f.sql("DROP USER ANALYST_CLI");
        assertEquals(Set.of("user-missing"), kinds(detector(Map.of()).scan()));
    }
}
