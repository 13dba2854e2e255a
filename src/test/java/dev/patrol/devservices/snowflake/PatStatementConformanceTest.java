package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PAT statements of snowflake-pat.md §1 through the real driver, as patrol's rotator runs them:
 * logged in with its key pair, holding only the ownership of the CLI user that setup.sql gives it.
 */
class PatStatementConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();
    Connection rotator;

    @BeforeEach
    void start() throws SQLException {
        rotator = f.rotator();
    }

    @AfterEach
    void stop() throws SQLException {
        rotator.close();
    }

    /** Moves time on; sessions older than their master token's 4 h die as on a real account, so log in again. */
    void advance(Duration d) throws SQLException {
        f.clock.advance(d);
        rotator.close();
        rotator = f.rotator();
    }

    Map<String, String> one(String sql) throws SQLException {
        List<Map<String, String>> r = rows(rotator, sql);
        assertEquals(1, r.size(), sql);
        return r.get(0);
    }

    Map<String, String> showToken(String name) throws SQLException {
        return rows(rotator, "SHOW USER PATS FOR USER ANALYST_CLI").stream().filter(r -> r.get("name").equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no token " + name));
    }

    @Test
    void addReturnsNameAndSecretOnce_pat_1_2() throws Exception {
        String secret;
        try (Statement s = rotator.createStatement()) {
            // statement type 0x6244: execute() yields a result set (protocol spec §4.2, driver >= 3.27.0)
            assertTrue(s.execute(
                    "alter user analyst_cli add programmatic access token patrol_1 role_restriction = 'ANALYST_CLI_ROLE'"));
            ResultSet rs = s.getResultSet();
            assertEquals(List.of("token_name", "token_secret"), columns(rs.getMetaData()));
            assertTrue(rs.next());
            assertEquals("PATROL_1", rs.getString(1));
            secret = rs.getString(2);
            assertTrue(secret.length() >= 32);
        }
        // the secret is never shown again
        for (Map<String, String> row : rows(rotator, "SHOW USER PATS FOR USER ANALYST_CLI")) {
            assertFalse(row.containsValue(secret));
        }
        for (Map<String, String> row : rows(rotator, "DESCRIBE USER ANALYST_CLI")) {
            assertFalse(row.containsValue(secret));
        }
    }

    @Test
    void showHasTheTenDocumentedColumnsWithTypes_pat_1_6() throws Exception {
        f.addCliPat("A");
        try (Statement s = rotator.createStatement();
                ResultSet rs = s.executeQuery("SHOW USER PROGRAMMATIC ACCESS TOKENS FOR USER ANALYST_CLI")) {
            assertEquals(List.of("name", "user_name", "role_restriction", "expires_at", "status", "comment", "created_on",
                    "created_by", "mins_to_bypass_network_policy_requirement", "rotated_to"), columns(rs.getMetaData()));
            int expiresType = rs.getMetaData().getColumnType(4);
            assertTrue(expiresType == Types.TIMESTAMP || expiresType == Types.TIMESTAMP_WITH_TIMEZONE,
                    "expires_at is a timestamp");
            assertTrue(rs.next());
            Instant created = rs.getTimestamp("created_on").toInstant();
            Instant expires = rs.getTimestamp("expires_at").toInstant();
            // setup.sql's PAT_POLICY sets DEFAULT_EXPIRY_IN_DAYS = 30
            assertEquals(Duration.ofDays(30), Duration.between(created, expires));
            assertEquals("ACTIVE", rs.getString("status"));
            assertEquals("ADMIN", rs.getString("created_by"));
            assertNull(rs.getString("rotated_to"));
            rs.getLong("mins_to_bypass_network_policy_requirement");
            assertTrue(rs.wasNull());
        }
    }

    @Test
    void abbreviationsAndIfNotExists_pat_1_1_and_1_2() throws Exception {
        Map<String, String> first = one(
                "ALTER USER ANALYST_CLI ADD PAT IF NOT EXISTS P ROLE_RESTRICTION = \"ANALYST_CLI_ROLE\" DAYS_TO_EXPIRY = 7 COMMENT = 'x'");
        assertNotNull(first.get("token_secret"));
        Map<String, String> again = one("ALTER USER ANALYST_CLI ADD PAT IF NOT EXISTS P ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        assertEquals("P", again.get("token_name"));
        assertNull(again.get("token_secret"), "IF NOT EXISTS on an existing token shows no secret");
        assertEquals(1, rows(rotator, "SHOW USER PATS FOR USER ANALYST_CLI").size());
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ADD PAT P ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
    }

    @Test
    void quotedTokenNamesKeepTheirCase_identifiers() throws Exception {
        one("ALTER USER ANALYST_CLI ADD PAT \"mixed_Case\" ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        one("ALTER USER ANALYST_CLI ADD PAT mixed_case ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        List<String> names = rows(rotator, "SHOW USER PATS FOR USER ANALYST_CLI").stream().map(r -> r.get("name")).toList();
        assertEquals(List.of("mixed_Case", "MIXED_CASE"), names);
    }

    @Test
    void serviceUserNeedsARoleRestrictionThatIsGranted_pat_1_2() {
        assertSnowflakeError(2029, "22023", () -> one("ALTER USER ANALYST_CLI ADD PAT NOROLE"));
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ADD PAT WRONG ROLE_RESTRICTION = 'PUBLIC_NOT_A_ROLE'"));
        f.admin("CREATE ROLE UNGRANTED");
        assertSnowflakeError(2029, "22023", () -> one("ALTER USER ANALYST_CLI ADD PAT WRONG ROLE_RESTRICTION = 'UNGRANTED'"));
    }

    @Test
    void daysToExpiryRangeComesFromThePolicy_pat_1_2_and_3_2() throws Exception {
        // setup.sql: MAX_EXPIRY_IN_DAYS = 90
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ADD PAT LONG ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = 91"));
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ADD PAT ZERO ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = 0"));
        one("ALTER USER ANALYST_CLI ADD PAT MAX ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = 90");
        // without any authentication policy the range is 1..365 and the default 15
        f.admin("ALTER USER ANALYST_CLI UNSET AUTHENTICATION POLICY");
        one("ALTER USER ANALYST_CLI ADD PAT YEAR ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = 365");
        one("ALTER USER ANALYST_CLI ADD PAT DEFAULT_DAYS ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        try (Statement s = rotator.createStatement(); ResultSet rs = s.executeQuery("SHOW USER PATS FOR USER ANALYST_CLI")) {
            while (rs.next()) {
                if (rs.getString("name").equals("DEFAULT_DAYS")) {
                    assertEquals(Duration.ofDays(15), Duration.between(rs.getTimestamp("created_on").toInstant(),
                            rs.getTimestamp("expires_at").toInstant()));
                }
            }
        }
        assertSnowflakeError(2029, "22023", () -> one(
                "ALTER USER ANALYST_CLI ADD PAT TOO_LONG ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = 366"));
    }

    @Test
    void atMostFifteenLiveTokensDisabledOnesCount_pat_0_2() throws Exception {
        for (int i = 1; i <= 15; i++)
            one("ALTER USER ANALYST_CLI ADD PAT T" + i + " ROLE_RESTRICTION = 'ANALYST_CLI_ROLE' DAYS_TO_EXPIRY = "
                    + (i == 1 ? 1 : 30));
        rows(rotator, "ALTER USER ANALYST_CLI MODIFY PAT T2 SET DISABLED = TRUE");
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ADD PAT T16 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
        advance(Duration.ofDays(1).plusMinutes(1)); // T1 expires: expired tokens do not count
        one("ALTER USER ANALYST_CLI ADD PAT T16 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        assertEquals("EXPIRED", showToken("T1").get("status"));
    }

    @Test
    void rotateKeepsTheNameAndRenamesTheOldSecret_pat_1_3() throws Exception {
        String old = f.addCliPat("CLI");
        Map<String, String> r = one("ALTER USER ANALYST_CLI ROTATE PAT CLI EXPIRE_ROTATED_TOKEN_AFTER_HOURS = 24");
        assertEquals("CLI", r.get("token_name"));
        String fresh = r.get("token_secret");
        assertNotEquals(old, fresh);
        String rotatedName = r.get("rotated_token_name");
        assertTrue(rotatedName.startsWith("CLI_ROTATED_"), rotatedName);
        Map<String, String> rotated = showToken(rotatedName);
        assertEquals("CLI", rotated.get("rotated_to"));
        assertEquals("ACTIVE", rotated.get("status"));
        assertNull(showToken("CLI").get("rotated_to"));
        // both secrets log in during the grace window, with the restricted role
        try (Connection a = f.pat("ANALYST_CLI", old); Connection b = f.pat("ANALYST_CLI", fresh)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(a, "SELECT CURRENT_ROLE()"));
            assertEquals("ANALYST_CLI_ROLE", scalar(b, "SELECT CURRENT_ROLE()"));
        }
        advance(Duration.ofHours(24).plusSeconds(1));
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", old).close());
        assertEquals("EXPIRED", showToken(rotatedName).get("status"));
        try (Connection b = f.pat("ANALYST_CLI", fresh)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(b, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void rotateWithZeroHoursExpiresTheOldSecretAtOnce_pat_1_3() throws Exception {
        String old = f.addCliPat("CLI");
        Map<String, String> r = one("ALTER USER ANALYST_CLI ROTATE PAT CLI EXPIRE_ROTATED_TOKEN_AFTER_HOURS = 0");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", old).close());
        assertEquals("EXPIRED", showToken(r.get("rotated_token_name")).get("status"));
        f.pat("ANALYST_CLI", r.get("token_secret")).close();
    }

    @Test
    void rotateDefaultsToTwentyFourHoursAndRefusesMoreThanTheTokenHasLeft_pat_1_3() throws Exception {
        f.addCliPat("CLI");
        Instant before = f.clock.instant();
        Map<String, String> r = one("ALTER USER ANALYST_CLI ROTATE PAT CLI");
        try (Statement s = rotator.createStatement(); ResultSet rs = s.executeQuery("SHOW USER PATS FOR USER ANALYST_CLI")) {
            while (rs.next()) {
                if (rs.getString("name").equals(r.get("rotated_token_name"))) {
                    Duration grace = Duration.between(before, rs.getTimestamp("expires_at").toInstant());
                    assertTrue(grace.compareTo(Duration.ofHours(24)) >= 0
                            && grace.compareTo(Duration.ofHours(24).plusMinutes(1)) < 0, grace.toString());
                }
            }
        }
        assertSnowflakeError(2029, "22023",
                () -> one("ALTER USER ANALYST_CLI ROTATE PAT CLI EXPIRE_ROTATED_TOKEN_AFTER_HOURS = 100000"));
        assertSnowflakeError(2003, "02000", () -> one("ALTER USER ANALYST_CLI ROTATE PAT NO_SUCH_TOKEN"));
    }

    @Test
    void modifySetUnsetAndRename_pat_1_4() throws Exception {
        String secret = f.addCliPat("CLI");
        rows(rotator, "ALTER USER ANALYST_CLI MODIFY PROGRAMMATIC ACCESS TOKEN CLI SET DISABLED = TRUE COMMENT = 'paused'");
        assertEquals("DISABLED", showToken("CLI").get("status"));
        assertEquals("paused", showToken("CLI").get("comment"));
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        rows(rotator, "ALTER USER ANALYST_CLI MODIFY PAT CLI UNSET DISABLED, COMMENT");
        assertEquals("ACTIVE", showToken("CLI").get("status"));
        assertNull(showToken("CLI").get("comment"));
        rows(rotator, "ALTER USER ANALYST_CLI MODIFY PAT CLI RENAME TO CLI2");
        assertEquals(List.of("CLI2"),
                rows(rotator, "SHOW USER PATS FOR USER ANALYST_CLI").stream().map(m -> m.get("name")).toList());
        f.pat("ANALYST_CLI", secret).close();
        rows(rotator, "ALTER USER ANALYST_CLI MODIFY PAT IF EXISTS NOPE SET DISABLED = TRUE");
        assertSnowflakeError(2003, "02000", () -> rows(rotator, "ALTER USER ANALYST_CLI MODIFY PAT NOPE SET DISABLED = TRUE"));
    }

    @Test
    void removeAnswersAStatusAndNotFound_pat_1_5() throws Exception {
        String secret = f.addCliPat("CLI");
        assertEquals("Programmatic access token CLI successfully removed.",
                one("ALTER USER ANALYST_CLI REMOVE PAT CLI").get("status"));
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        SQLException e = assertSnowflakeError(2003, "02000", () -> one("ALTER USER ANALYST_CLI REMOVE PAT CLI"));
        assertTrue(e.getMessage().contains("Programmatic access token CLI not found"), e.getMessage());
        one("ALTER USER ANALYST_CLI REMOVE PAT IF EXISTS CLI");
        // a missing user gives the generic message, and IF EXISTS at user level is a no-op
        assertSnowflakeError(2003, "02000", () -> one("ALTER USER NOBODY REMOVE PAT CLI"));
        one("ALTER USER IF EXISTS NOBODY REMOVE PAT CLI");
    }

    @Test
    void rotatorCannotManageTokensOfOtherUsers_pat_1_1() {
        assertSnowflakeError(3001, "42501", () -> one("ALTER USER ANALYST ADD PAT X"));
        assertSnowflakeError(3001, "42501", () -> one("SHOW USER PATS FOR USER ADMIN"));
        // the rotator's right to the CLI user's tokens comes from owning it
        f.admin("GRANT OWNERSHIP ON USER ANALYST_CLI TO ROLE USERADMIN COPY CURRENT GRANTS");
        assertSnowflakeError(3001, "42501",
                () -> one("ALTER USER ANALYST_CLI ADD PAT X ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
    }

    @Test
    void omittedUserNameMeansTheCurrentUser_pat_1_1() throws Exception {
        // ADMIN is a person user: it needs no privilege on its own tokens, but the person policy blocks PATs.
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("CREATE NETWORK POLICY ANYWHERE ALLOWED_IP_LIST = ('0.0.0.0/0')");
        f.admin("ALTER USER ADMIN SET NETWORK_POLICY = ANYWHERE");
        try (Connection admin = f.admin()) {
            Map<String, String> r = rows(admin, "ALTER USER ADD PAT MINE").get(0);
            assertEquals("MINE", r.get("token_name"));
            assertEquals("ADMIN", rows(admin, "SHOW USER PATS").get(0).get("user_name"));
            assertNull(rows(admin, "SHOW USER PATS").get(0).get("role_restriction"));
        }
    }

    @Test
    void patSessionCannotManageTokensOrSwitchRoles_pat_2_4() throws Exception {
        String secret = f.addCliPat("CLI");
        try (Connection c = f.pat("ANALYST_CLI", secret)) {
            assertSnowflakeError(3001, "42501", () -> rows(c, "ALTER USER ANALYST_CLI ROTATE PAT CLI"));
            assertSnowflakeError(3001, "42501", () -> rows(c, "ALTER USER REMOVE PAT CLI"));
            assertSnowflakeError(3001, "42501", () -> rows(c, "USE ROLE ANALYST_CLI_ROLE"));
            assertSnowflakeError(3001, "42501", () -> rows(c, "USE SECONDARY ROLES ALL"));
            assertEquals("{\"roles\":\"\",\"value\":\"\"}", scalar(c, "SELECT CURRENT_SECONDARY_ROLES()"));
            assertEquals(1, rows(c, "SHOW USER PATS").size(), "a PAT session may still list its own tokens");
        }
    }

    @Test
    void decodePatReportsState_pat_1_7() throws Exception {
        String secret = f.addCliPat("CLI");
        try (Connection admin = f.admin()) {
            assertEquals("{\"STATE\":\"ACTIVE\",\"PAT_NAME\":\"CLI\",\"USER_NAME\":\"ANALYST_CLI\"}",
                    scalar(admin, "SELECT SYSTEM$DECODE_PAT('" + secret + "')"));
        }
    }

    static List<String> columns(ResultSetMetaData md) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++)
            out.add(md.getColumnLabel(i));
        return out;
    }
}
