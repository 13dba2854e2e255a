package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The privilege rules and semantics of snowflake-pat.md §9 through the real driver, on the account
 * setup.sql leaves: the rotator owns the CLI user and holds nothing else.
 */
class PrivilegeConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();

    /** Runs as the admin user with only this primary role active (no secondary roles). */
    List<Map<String, String>> as(String role, String sql) {
        return f.emulator.runAs(EmulatorFixture.ADMIN, role, sql);
    }

    void refusedAs(String role, String sql) {
        SnowflakeError e = assertThrows(SnowflakeError.class, () -> as(role, sql), sql + " as " + role);
        assertEquals("003001", e.code(), e.getMessage());
    }

    /**
     * A service user owned by USERADMIN, with the grants the rotator had before ownership: MONITOR and MODIFY PROGRAMMATIC
     * AUTHENTICATION METHODS.
     */
    void oldStyleCliUser(String user) {
        f.emulator.runScriptAs(EmulatorFixture.ADMIN, "ACCOUNTADMIN", List.of(
                "USE ROLE USERADMIN",
                "CREATE USER " + user
                        + " TYPE = SERVICE DEFAULT_ROLE = ANALYST_CLI_ROLE NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY",
                "USE ROLE SECURITYADMIN",
                "GRANT ROLE ANALYST_CLI_ROLE TO USER " + user,
                "GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER " + user + " TO ROLE PATROL_ROTATOR_ROLE",
                "GRANT MONITOR ON USER " + user + " TO ROLE PATROL_ROTATOR_ROLE"));
    }

    static List<String> columns(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++)
                out.add(md.getColumnLabel(i));
            return out;
        }
    }

    @Test
    @DisplayName("§9 DESCRIBE USER needs ownership of the user or a role above the owner")
    void describeUserNeedsOwnership_pat_9() throws Exception {
        try (Connection r = f.rotator()) {
            assertEquals("SERVICE", rows(r, "DESCRIBE USER ANALYST_CLI").stream().filter(x -> x.get("property").equals("TYPE"))
                    .findFirst().orElseThrow().get("value"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "DESCRIBE USER PATROL_ROTATOR")); // itself, owned by USERADMIN
        }
        as("SECURITYADMIN", "DESCRIBE USER ANALYST_CLI"); // above the rotator role, which setup.sql rolls up to it
        refusedAs("SYSADMIN", "DESCRIBE USER ANALYST_CLI");
    }

    @Test
    @DisplayName("§9 the old grant set (MONITOR + MODIFY PROGRAMMATIC AUTHENTICATION METHODS, no ownership) cannot read the user")
    void oldGrantSetIsRefused_pat_9() throws Exception {
        oldStyleCliUser("OLD_CLI");
        try (Connection r = f.rotator()) {
            assertSnowflakeError(3001, "42501", () -> rows(r, "DESCRIBE USER OLD_CLI"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "SHOW GRANTS TO USER OLD_CLI"));
            assertFalse(rows(r, "SHOW USERS").stream().anyMatch(u -> u.get("name").equals("OLD_CLI")),
                    "MONITOR does not make a user visible");
            // the PAT privilege itself still works: only reading the user is refused
            assertEquals(List.of(), rows(r, "SHOW USER PATS FOR USER OLD_CLI"));
        }
    }

    @Test
    @DisplayName("§9 SHOW USERS lists owned users only, unless the role has CREATE USER on the account")
    void showUsersListsOwnedUsers_pat_9() throws Exception {
        try (Connection r = f.rotator()) {
            assertEquals(List.of("ANALYST_CLI"), rows(r, "SHOW USERS").stream().map(u -> u.get("name")).toList());
        }
        List<String> all = as("USERADMIN", "SHOW USERS").stream().map(u -> u.get("name")).toList();
        assertTrue(all.containsAll(List.of("ADMIN", "ANALYST", "ANALYST_CLI", "PATROL_ROTATOR")), all.toString());
        assertEquals(List.of(), as("SYSADMIN", "SHOW USERS"));
    }

    @Test
    @DisplayName("§9 SHOW GRANTS TO USER needs ownership of the user or MANAGE GRANTS")
    void showGrantsToUserNeedsOwnershipOrManageGrants_pat_9() throws Exception {
        try (Connection r = f.rotator()) {
            assertEquals(List.of("ANALYST_CLI_ROLE"),
                    rows(r, "SHOW GRANTS TO USER ANALYST_CLI").stream().map(g -> g.get("role")).toList());
            assertSnowflakeError(3001, "42501", () -> rows(r, "SHOW GRANTS TO USER ANALYST"));
        }
        assertEquals(2, as("SECURITYADMIN", "SHOW GRANTS TO USER ANALYST").size());
        refusedAs("SYSADMIN", "SHOW GRANTS TO USER ANALYST");
        try (Connection analyst = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD, "ANALYST_CLI_ROLE")) {
            rows(analyst, "USE SECONDARY ROLES NONE");
            assertSnowflakeError(3001, "42501", () -> rows(analyst, "SHOW GRANTS TO USER ANALYST")); // UNCONFIRMED: not even one's own
        }
    }

    @Test
    @DisplayName("§9 GRANT OWNERSHIP ON USER with COPY or REVOKE CURRENT GRANTS; refused without either while grants exist")
    void grantOwnershipOnUser_pat_9() throws Exception {
        oldStyleCliUser("MOVED_CLI");
        SnowflakeError bare = assertThrows(SnowflakeError.class,
                () -> as("SECURITYADMIN", "GRANT OWNERSHIP ON USER MOVED_CLI TO ROLE PATROL_ROTATOR_ROLE"));
        assertTrue(bare.getMessage().contains("COPY CURRENT GRANTS"), bare.getMessage());
        as("SECURITYADMIN", "GRANT OWNERSHIP ON USER MOVED_CLI TO ROLE PATROL_ROTATOR_ROLE COPY CURRENT GRANTS");
        List<String> kept = as("SECURITYADMIN", "SHOW GRANTS ON USER MOVED_CLI").stream().map(g -> g.get("privilege")).sorted()
                .toList();
        assertEquals(List.of("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "MONITOR", "OWNERSHIP"), kept);
        try (Connection r = f.rotator()) {
            assertEquals(1, rows(r, "SHOW GRANTS TO USER MOVED_CLI").size(), "the new owner reads the user");
            rows(r, "ALTER USER MOVED_CLI SET DISABLED = TRUE");
        }
        as("SECURITYADMIN", "GRANT OWNERSHIP ON USER MOVED_CLI TO ROLE USERADMIN REVOKE CURRENT GRANTS");
        assertEquals(List.of("OWNERSHIP USERADMIN"), as("SECURITYADMIN", "SHOW GRANTS ON USER MOVED_CLI").stream()
                .map(g -> g.get("privilege") + " " + g.get("grantee_name")).toList());
        refusedAs("SYSADMIN", "GRANT OWNERSHIP ON USER MOVED_CLI TO ROLE SYSADMIN REVOKE CURRENT GRANTS");
    }

    @Test
    @DisplayName("§9 SHOW AUTHENTICATION POLICIES ON USER | ON ACCOUNT: the policy in force by precedence, with set_on")
    void showAuthenticationPoliciesInForce_pat_9() throws Exception {
        try (Connection c = f.admin()) {
            assertEquals(
                    List.of("created_on", "name", "database_name", "schema_name", "kind", "owner", "comment", "owner_role_type",
                            "options", "set_on"),
                    columns(c, "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI"));
            Map<String, String> cli = rows(c, "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI").get(0);
            assertEquals("SERVICE_USERS_PAT", cli.get("name"));
            assertEquals("USER", cli.get("set_on"));
            Map<String, String> person = rows(c, "SHOW AUTHENTICATION POLICIES ON USER ANALYST").get(0);
            assertEquals("PERSON_USERS_NO_PAT", person.get("name"));
            assertEquals("ACCOUNT", person.get("set_on"));
            List<Map<String, String>> rotator = rows(c, "SHOW AUTHENTICATION POLICIES ON USER PATROL_ROTATOR");
            assertEquals(1, rotator.size());
            assertEquals("SYSTEM", rotator.get(0).get("set_on"));
            assertNull(rotator.get(0).get("database_name"));
            // FORCE on the account overrides the user's own policy
            rows(c, "CREATE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.LAX AUTHENTICATION_METHODS = ('ALL')");
            rows(c, "ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.LAX FORCE");
            Map<String, String> forced = rows(c, "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI").get(0);
            assertEquals("LAX", forced.get("name"));
            assertEquals("ACCOUNT", forced.get("set_on"));
            rows(c, "ALTER ACCOUNT UNSET AUTHENTICATION POLICY");
            rows(c, "ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
            List<Map<String, String>> none = rows(c, "SHOW AUTHENTICATION POLICIES ON ACCOUNT");
            assertEquals(List.of("SYSTEM"), none.stream().map(r -> r.get("set_on")).toList(),
                    "a built-in row when nothing is attached");
        }
        // needs APPLY AUTHENTICATION POLICY or ownership of the policy: the rotator has neither
        try (Connection r = f.rotator()) {
            assertSnowflakeError(3001, "42501", () -> rows(r, "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "SHOW AUTHENTICATION POLICIES ON ACCOUNT"));
        }
        refusedAs("SYSADMIN", "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI"); // owns the database, not the policies
        assertEquals("SERVICE_USERS_PAT",
                as("SECURITYADMIN", "SHOW AUTHENTICATION POLICIES ON USER ANALYST_CLI").get(0).get("name"));
    }

    @Test
    @DisplayName("§9/§1.2 a person user may create a PAT without a network policy, and fails to log in with it (390432)")
    void personUserMintsWithoutNetworkPolicyButCannotLogIn_pat_9() throws Exception {
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        String secret;
        try (Connection analyst = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD)) {
            secret = rows(analyst, "ALTER USER ADD PAT MINE").get(0).get("token_secret");
        }
        assertSnowflakeError(390432, "08001", () -> f.pat("ANALYST", secret).close());
    }

    @Test
    @DisplayName("§9 SERVICE_AGENT users need a role restriction like service users but no network policy")
    void serviceAgentUsers_pat_9() throws Exception {
        f.emulator.runScriptAs(EmulatorFixture.ADMIN, "ACCOUNTADMIN", List.of(
                "CREATE USER AGENT TYPE = SERVICE_AGENT DEFAULT_ROLE = ANALYST_CLI_ROLE",
                "GRANT ROLE ANALYST_CLI_ROLE TO USER AGENT",
                "CREATE USER PLAIN_SERVICE TYPE = SERVICE DEFAULT_ROLE = ANALYST_CLI_ROLE",
                "GRANT ROLE ANALYST_CLI_ROLE TO USER PLAIN_SERVICE"));
        SnowflakeError unrestricted = assertThrows(SnowflakeError.class, () -> f.admin("ALTER USER AGENT ADD PAT A"));
        assertTrue(unrestricted.getMessage().contains("ROLE_RESTRICTION is required"), unrestricted.getMessage());
        String secret = f.admin("ALTER USER AGENT ADD PAT A ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'").get(0).get("token_secret");
        try (Connection agent = f.pat("AGENT", secret)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(agent, "SELECT CURRENT_ROLE()"));
        }
        SnowflakeError plain = assertThrows(SnowflakeError.class,
                () -> f.admin("ALTER USER PLAIN_SERVICE ADD PAT A ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
        assertTrue(plain.getMessage().contains("network policy is required"), plain.getMessage());
    }

    @Test
    @DisplayName("§1.3/§9 ROTATE ... IF EXISTS is a no-op for a missing token")
    void rotateIfExists_pat_9() throws Exception {
        try (Connection r = f.rotator()) {
            rows(r, "ALTER USER ANALYST_CLI ROTATE PAT IF EXISTS NOPE");
            SQLException e = assertSnowflakeError(2003, "02000", () -> rows(r, "ALTER USER ANALYST_CLI ROTATE PAT NOPE"));
            assertTrue(e.getMessage().matches("(?s).*Programmatic access token .* not found.*"), e.getMessage());
        }
    }

    @Test
    @DisplayName("§9 an unrestricted PAT session uses primary and secondary roles and may USE ROLE")
    void unrestrictedPatSessionIsNotPinned_pat_9() throws Exception {
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("CREATE NETWORK POLICY ANYWHERE ALLOWED_IP_LIST = ('0.0.0.0/0')");
        f.admin("ALTER USER ANALYST SET NETWORK_POLICY = ANYWHERE");
        String secret;
        try (Connection analyst = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD)) {
            secret = rows(analyst, "ALTER USER ADD PAT FREE").get(0).get("token_secret");
        }
        try (Connection c = f.pat("ANALYST", secret)) {
            assertEquals("SYSADMIN", scalar(c, "SELECT CURRENT_ROLE()"));
            assertEquals("true", scalar(c, "SELECT IS_ROLE_IN_SESSION('ANALYST_CLI_ROLE')"), "secondary roles are active");
            rows(c, "USE ROLE ANALYST_CLI_ROLE");
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    @DisplayName("§9 a PAT session cannot manage its own user's PATs but may manage another user's with the grants")
    void patSessionManagesOnlyOtherUsersTokens_pat_9() throws Exception {
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("CREATE NETWORK POLICY ANYWHERE ALLOWED_IP_LIST = ('0.0.0.0/0')");
        f.admin("ALTER USER ANALYST SET NETWORK_POLICY = ANYWHERE");
        f.admin("GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER ANALYST_CLI TO ROLE SYSADMIN");
        String secret;
        try (Connection analyst = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD)) {
            secret = rows(analyst, "ALTER USER ADD PAT FREE").get(0).get("token_secret");
        }
        try (Connection c = f.pat("ANALYST", secret)) {
            assertSnowflakeError(3001, "42501", () -> rows(c, "ALTER USER ANALYST ADD PAT SECOND"));
            assertSnowflakeError(3001, "42501", () -> rows(c, "ALTER USER REMOVE PAT FREE"));
            rows(c, "ALTER USER ANALYST_CLI ADD PAT FROM_ANALYST ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
            rows(c, "ALTER USER ANALYST_CLI REMOVE PAT FROM_ANALYST");
        }
    }

    @Test
    @DisplayName("§9 error codes and texts seen on real accounts: 003549, not attached to ACCOUNT, 15 tokens, 394400")
    void errorCodesAndTexts_pat_9() throws Exception {
        try (Connection c = f.admin()) {
            SQLException twice = assertSnowflakeError(3549, "0A000",
                    () -> rows(c,
                            "ALTER USER ANALYST_CLI SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT"));
            assertTrue(twice.getMessage().contains("User 'ANALYST_CLI' already has a AUTHENTICATION_POLICY"),
                    twice.getMessage());
            SQLException notAttached = assertThrows(SQLException.class,
                    () -> rows(c, "ALTER ACCOUNT UNSET AUTHENTICATION POLICY"));
            assertTrue(notAttached.getMessage().contains("Any policy of kind AUTHENTICATION_POLICY is not attached to ACCOUNT"),
                    notAttached.getMessage());
            for (int i = 1; i <= 15; i++)
                rows(c, "ALTER USER ANALYST_CLI ADD PAT T" + i + " ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
            SQLException sixteenth = assertThrows(SQLException.class,
                    () -> rows(c, "ALTER USER ANALYST_CLI ADD PAT T16 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
            assertTrue(sixteenth.getMessage().contains("Exceeded maximum of 15 programmatic access tokens"),
                    sixteenth.getMessage());
        }
        SQLException bad = assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", "not-a-token").close());
        assertTrue(bad.getMessage().contains("Programmatic access token is invalid."), bad.getMessage());
    }

    @Test
    @DisplayName("§9 ACCOUNT_USAGE.POLICY_REFERENCES through GOVERNANCE_VIEWER / SECURITY_VIEWER, up to 2 h late")
    void policyReferencesThroughSnowflakeDatabaseRoles_pat_9() throws Exception {
        String sql = "SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES WHERE POLICY_KIND = 'AUTHENTICATION_POLICY' AND REF_ENTITY_DOMAIN = 'USER'";
        try (Connection r = f.rotator()) {
            assertSnowflakeError(2003, "02000", () -> rows(r, sql));
        }
        f.emulator.runScriptAs(EmulatorFixture.ADMIN, "ACCOUNTADMIN", List.of(
                "CREATE ROLE PATROL_POSTURE_READER",
                "GRANT DATABASE ROLE SNOWFLAKE.GOVERNANCE_VIEWER TO ROLE PATROL_POSTURE_READER",
                "GRANT ROLE PATROL_POSTURE_READER TO ROLE PATROL_ROTATOR_ROLE"));
        try (Connection r = f.rotator()) {
            assertEquals(List.of(), rows(r, sql), "the attachment setup.sql just made is not in the view yet");
            f.clock.advance(java.time.Duration.ofHours(2));
            List<Map<String, String>> refs = rows(r, sql);
            assertEquals(List.of("ANALYST_CLI SERVICE_USERS_PAT"),
                    refs.stream().map(x -> x.get("REF_ENTITY_NAME") + " " + x.get("POLICY_NAME")).toList());
            // the reader may see attachments but still not change or describe the policies
            assertSnowflakeError(3001, "42501",
                    () -> rows(r, "DESCRIBE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT"));
            assertEquals(List.of("PERSON_USERS_NO_PAT"),
                    rows(r, "SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES WHERE REF_ENTITY_DOMAIN = 'ACCOUNT'")
                            .stream().map(x -> x.get("POLICY_NAME")).toList());
        }
    }
}
