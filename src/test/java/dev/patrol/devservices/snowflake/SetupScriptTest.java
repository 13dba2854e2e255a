package dev.patrol.devservices.snowflake;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's {@code deploy/snowflake/setup.sql} runs unchanged, twice, through the real driver
 * against an empty emulated account, and leaves the account in the state the pattern needs.
 */
class SetupScriptTest {

    static String script() throws Exception {
        return Files.readString(Path.of("deploy/snowflake/setup.sql"));
    }

    @Test
    void setupRunsTwiceAndLeavesAWorkingAccount() throws Exception {
        try (EmulatorFixture f = new EmulatorFixture(false); Connection admin = f.admin()) {
            Map<String, String> vars = SnowflakeSeed.setupVariables(RsaKeys.publicKeyValue(EmulatorFixture.ROTATOR_KEY));
            List<String> statements = SqlScript.statements(SqlScript.render(script(), vars));
            assertTrue(statements.size() > 20, "the script has its statements: " + statements.size());
            for (int run = 0; run < 2; run++) {
                rows(admin, "USE ROLE ACCOUNTADMIN");
                for (String sql : statements) rows(admin, sql);
            }
            // The rotator logs in with its key and mints a role-restricted PAT that works.
            String secret;
            try (Connection rotator = f.rotator()) {
                secret = rows(rotator, "ALTER USER ANALYST_CLI ADD PAT PATROL_1 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'").get(0).get("token_secret");
            }
            try (Connection cli = f.pat("ANALYST_CLI", secret)) {
                assertEquals("ANALYST_CLI_ROLE", scalar(cli, "SELECT CURRENT_ROLE()"));
                rows(cli, "USE WAREHOUSE ANALYST_WH");
            }
            rows(admin, "USE ROLE ACCOUNTADMIN");
            List<Map<String, String>> attached = rows(admin, "SHOW AUTHENTICATION POLICIES ON ACCOUNT");
            assertEquals(2, attached.size());
            assertEquals(List.of("ANALYST_CLI_ROLE"), rows(admin, "SHOW GRANTS TO USER ANALYST_CLI").stream().map(r -> r.get("role")).toList());
            assertEquals(1, rows(admin, "SHOW USER PATS FOR USER ANALYST_CLI").size());
            // and patrol's posture check passes on the result
            java.util.Properties p = new java.util.Properties();
            p.put("user", "ADMIN");
            p.put("password", EmulatorFixture.ADMIN_PASSWORD);
            p.put("role", "SECURITYADMIN");
            var endpoint = new dev.patrol.snowflake.SnowflakeEndpoint("PATROLDEV", java.util.Optional.of(f.emulator.url()));
            try (var securityAdmin = new dev.patrol.snowflake.JdbcSnowflakeAdmin(endpoint.jdbc(), p, 1)) {
                var cli = new dev.patrol.registry.Connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE", java.util.Optional.empty(),
                        java.util.Optional.empty(), java.util.Optional.empty(), java.time.Duration.ofDays(7), java.time.Duration.ofHours(24), 30);
                var report = new dev.patrol.drift.PostureChecker(new dev.patrol.snowflake.PostureSession(securityAdmin, "SECURITYADMIN"),
                        new dev.patrol.registry.ConnectionRegistry(List.of(cli)), f.clock,
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).check();
                assertEquals(0, report.failures(), report.toString());
                assertTrue(report.checks().stream().allMatch(c -> c.status() == dev.patrol.drift.PostureChecker.Status.PASS), report.toString());
            }
        }
    }

    @Test
    void scriptSplittingKeepsSemicolonsInsideStringsAndComments() {
        List<String> s = SqlScript.statements("-- a; comment\nSELECT 'a;b'; /* x; y */ SELECT \"q;\" ;\n-- trailing only\n");
        assertEquals(List.of("-- a; comment\nSELECT 'a;b'", "/* x; y */ SELECT \"q;\""), s);
        assertThrows(IllegalArgumentException.class, () -> SqlScript.render("SELECT '<% missing %>'", Map.of()));
        assertEquals("SELECT 'a$b\\\\'", SqlScript.render("SELECT '<% v %>'", Map.of("v", "a$b\\\\")));
    }
}
