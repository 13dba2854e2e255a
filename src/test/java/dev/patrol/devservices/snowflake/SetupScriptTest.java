package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The operator's {@code deploy/snowflake/setup.sql} runs unchanged, twice, through the real driver
 * against an empty emulated account, and leaves the account in the state the pattern needs.
 */
class SetupScriptTest {

    /** The optional posture role of the README's "Snowflake setup". */
    static final List<String> POSTURE_ROLE = List.of(
            "USE ROLE USERADMIN",
            "CREATE ROLE IF NOT EXISTS PATROL_POSTURE_ROLE",
            "USE ROLE SECURITYADMIN",
            "GRANT ROLE PATROL_ROTATOR_ROLE TO ROLE PATROL_POSTURE_ROLE",
            "GRANT APPLY AUTHENTICATION POLICY ON ACCOUNT TO ROLE PATROL_POSTURE_ROLE",
            "GRANT ROLE PATROL_POSTURE_ROLE TO USER PATROL_ROTATOR");

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
                for (String sql : statements)
                    rows(admin, sql);
            }
            // The rotator logs in with its key and mints a role-restricted PAT that works.
            String secret;
            try (Connection rotator = f.rotator()) {
                secret = rows(rotator, "ALTER USER ANALYST_CLI ADD PAT PATROL_1 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'").get(0)
                        .get("token_secret");
            }
            try (Connection cli = f.pat("ANALYST_CLI", secret)) {
                assertEquals("ANALYST_CLI_ROLE", scalar(cli, "SELECT CURRENT_ROLE()"));
                rows(cli, "USE WAREHOUSE ANALYST_WH");
            }
            rows(admin, "USE ROLE ACCOUNTADMIN");
            List<Map<String, String>> attached = rows(admin, "SHOW AUTHENTICATION POLICIES ON ACCOUNT");
            assertEquals(List.of("PERSON_USERS_NO_PAT"), attached.stream().map(r -> r.get("name")).toList());
            assertEquals("SERVICE_USERS_PAT",
                    rows(admin, "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI").get(0).get("name"));
            assertEquals(List.of("ANALYST_CLI_ROLE"),
                    rows(admin, "SHOW GRANTS TO USER ANALYST_CLI").stream().map(r -> r.get("role")).toList());
            assertEquals(1, rows(admin, "SHOW USER PATS FOR USER ANALYST_CLI").size());
            // and patrol's posture check passes on the result, run as the README's posture role: the
            // rotator's role plus APPLY AUTHENTICATION POLICY (to read the policies), on patrol's own user
            for (String sql : POSTURE_ROLE)
                rows(admin, sql);
            java.util.Properties p = new java.util.Properties();
            p.put("user", SnowflakeSeed.ROTATOR_USER);
            p.put("privateKey", EmulatorFixture.ROTATOR_KEY.getPrivate());
            p.put("role", "PATROL_POSTURE_ROLE");
            var endpoint = new dev.patrol.snowflake.SnowflakeEndpoint("PATROLDEV", java.util.Optional.of(f.emulator.url()));
            try (var securityAdmin = new dev.patrol.snowflake.JdbcSnowflakeAdmin(endpoint.jdbc(), p, 1)) {
                var cli = new dev.patrol.registry.Connection("analyst_cli", "default", "ANALYST_CLI", "ANALYST_CLI_ROLE",
                        java.util.Optional.empty(),
                        java.util.Optional.empty(), java.util.Optional.empty(), java.time.Duration.ofDays(7),
                        java.time.Duration.ofHours(24), 30);
                var report = new dev.patrol.drift.PostureChecker(
                        dev.patrol.snowflake.Accounts.single("default", endpoint, securityAdmin, "PATROL_POSTURE_ROLE"),
                        new dev.patrol.registry.ConnectionRegistry(List.of(cli)), f.clock,
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).check();
                assertEquals(0, report.failures(), report.toString());
                assertTrue(report.checks().stream().allMatch(c -> c.status() == dev.patrol.drift.PostureChecker.Status.PASS),
                        report.toString());
            }
        }
    }

    @Test
    @DisplayName("setup.sql re-run with new CIDRs changes the network rules (the rotator's own and the CLI's)")
    void reRunWithANewCidrChangesTheNetworkRules() throws Exception {
        try (EmulatorFixture f = new EmulatorFixture(false); Connection admin = f.admin()) {
            Map<String, String> vars = new java.util.HashMap<>(
                    SnowflakeSeed.setupVariables(RsaKeys.publicKeyValue(EmulatorFixture.ROTATOR_KEY)));
            vars.put("cli_allowed_cidr", "203.0.113.0/24");
            vars.put("rotator_allowed_cidr", "198.51.100.7/32");
            runSetup(admin, vars);
            // the tests connect from loopback: neither the rotator nor the CLI may log in from here
            assertSnowflakeError(390422, "08001", () -> f.rotator().close());
            String secret = f.addCliPat("BEFORE");
            assertSnowflakeError(390422, "08001", () -> f.pat("ANALYST_CLI", secret).close());

            vars.put("cli_allowed_cidr", "127.0.0.0/8");
            vars.put("rotator_allowed_cidr", "127.0.0.1/32");
            runSetup(admin, vars);
            try (Connection rotator = f.rotator(); Connection cli = f.pat("ANALYST_CLI", secret)) {
                assertEquals("ANALYST_CLI_ROLE", scalar(cli, "SELECT CURRENT_ROLE()"));
                assertEquals(List.of("ANALYST_CLI"), rows(rotator, "SHOW USERS").stream().map(r -> r.get("name")).toList());
            }
            rows(admin, "USE ROLE ACCOUNTADMIN");
            assertEquals(List.of("1", "1"),
                    rows(admin, "SHOW NETWORK RULES").stream().map(r -> r.get("entries_in_valuelist")).toList());
        }
    }

    @Test
    @DisplayName("setup.sql re-run on an account set up by its earlier version replaces MONITOR and MODIFY with ownership")
    void reRunReplacesTheOldGrantsWithOwnership() throws Exception {
        try (EmulatorFixture f = new EmulatorFixture(false); Connection admin = f.admin()) {
            Map<String, String> vars = SnowflakeSeed.setupVariables(RsaKeys.publicKeyValue(EmulatorFixture.ROTATOR_KEY));
            runSetup(admin, vars);
            rows(admin, "GRANT OWNERSHIP ON USER ANALYST_CLI TO ROLE USERADMIN COPY CURRENT GRANTS");
            rows(admin,
                    "GRANT MONITOR, MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER ANALYST_CLI TO ROLE PATROL_ROTATOR_ROLE");
            try (Connection rotator = f.rotator()) {
                assertSnowflakeError(3001, "42501", () -> rows(rotator, "DESCRIBE USER ANALYST_CLI"));
            }
            runSetup(admin, vars);
            assertEquals(List.of("OWNERSHIP PATROL_ROTATOR_ROLE"), rows(admin, "SHOW GRANTS ON USER ANALYST_CLI").stream()
                    .map(g -> g.get("privilege") + " " + g.get("grantee_name")).toList());
            try (Connection rotator = f.rotator()) {
                assertEquals(1, rows(rotator, "DESCRIBE USER ANALYST_CLI").stream()
                        .filter(r -> r.get("property").equals("TYPE")).count());
            }
        }
    }

    static void runSetup(Connection admin, Map<String, String> vars) throws Exception {
        rows(admin, "USE ROLE ACCOUNTADMIN");
        for (String sql : SqlScript.statements(SqlScript.render(script(), vars)))
            rows(admin, sql);
    }

    @Test
    void scriptSplittingKeepsSemicolonsInsideStringsAndComments() {
        List<String> s = SqlScript.statements("-- a; comment\nSELECT 'a;b'; /* x; y */ SELECT \"q;\" ;\n-- trailing only\n");
        assertEquals(List.of("-- a; comment\nSELECT 'a;b'", "/* x; y */ SELECT \"q;\""), s);
        assertThrows(IllegalArgumentException.class, () -> SqlScript.render("SELECT '<% missing %>'", Map.of()));
        assertEquals("SELECT 'a$b\\\\'", SqlScript.render("SELECT '<% v %>'", Map.of("v", "a$b\\\\")));
    }
}
