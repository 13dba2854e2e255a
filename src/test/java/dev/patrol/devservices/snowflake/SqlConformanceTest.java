package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Users, roles, grants, identifiers and errors through the real driver (issue 2's SQL list, snowflake-pat.md §4). */
class SqlConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();
    Connection admin;

    @BeforeEach
    void start() throws SQLException {
        admin = f.admin();
    }

    @AfterEach
    void stop() throws SQLException {
        admin.close();
    }

    List<Map<String, String>> sql(String sql) throws SQLException {
        return rows(admin, sql);
    }

    Map<String, String> describe(String user) throws SQLException {
        return sql("DESCRIBE USER " + user).stream().collect(Collectors.toMap(r -> r.get("property"), r -> r.get("value")));
    }

    @Test
    void unquotedIdentifiersAreUpperCasedQuotedOnesKept() throws Exception {
        sql("create role lower_role");
        sql("CREATE ROLE \"Mixed Role\"");
        List<String> roles = sql("SHOW ROLES").stream().map(r -> r.get("name")).toList();
        assertTrue(roles.contains("LOWER_ROLE"));
        assertTrue(roles.contains("Mixed Role"));
        assertFalse(roles.contains("lower_role"));
        sql("GRANT ROLE \"Mixed Role\" TO USER analyst");
        assertSnowflakeError(2003, "02000", () -> sql("GRANT ROLE MIXED_ROLE TO USER ANALYST"));
    }

    @Test
    void createUserPropertiesShowInDescribe_pat_4_2() throws Exception {
        sql("CREATE USER svc TYPE = SERVICE DEFAULT_ROLE = analyst_cli_role COMMENT = 'x' DISABLED = FALSE");
        Map<String, String> d = describe("SVC");
        assertEquals("SERVICE", d.get("TYPE"));
        assertEquals("ANALYST_CLI_ROLE", d.get("DEFAULT_ROLE"));
        assertEquals("false", d.get("DISABLED"));
        assertEquals("null", d.get("PASSWORD"));
        assertEquals("false", d.get("HAS_PAT"));
        Map<String, String> rotator = describe("PATROL_ROTATOR");
        assertTrue(rotator.get("RSA_PUBLIC_KEY_FP").startsWith("SHA256:"), rotator.get("RSA_PUBLIC_KEY_FP"));
        sql("ALTER USER SVC SET TYPE = PERSON");
        assertEquals("PERSON", describe("SVC").get("TYPE"));
        sql("DROP USER SVC");
        assertSnowflakeError(2003, "02000", () -> describe("SVC"));
    }

    @Test
    void serviceUsersCannotHaveAPassword_pat_4_1() {
        assertSnowflakeError(2029, "22023", () -> sql("CREATE USER SVC2 TYPE = SERVICE PASSWORD = 'secret-pw'"));
        assertSnowflakeError(2029, "22023", () -> sql("ALTER USER ANALYST_CLI SET PASSWORD = 'secret-pw'"));
    }

    @Test
    void showUsersHasPatAndTypeColumns_pat_4_2() throws Exception {
        f.addCliPat("CLI");
        Map<String, String> cli = sql("SHOW USERS LIKE 'analyst_%'").stream().filter(r -> r.get("name").equals("ANALYST_CLI"))
                .findFirst().orElseThrow();
        assertEquals("SERVICE", cli.get("type"));
        assertEquals("true", cli.get("has_pat"));
        assertEquals("ANALYST_CLI_ROLE", cli.get("default_role"));
        assertEquals("PATROL_ROTATOR_ROLE", cli.get("owner"));
        assertEquals(List.of("ANALYST", "ANALYST_CLI"),
                sql("SHOW USERS LIKE 'ANALYST%'").stream().map(r -> r.get("name")).toList());
    }

    @Test
    void showGrantsToUserListsRoleGrantsWithoutPublic_pat_4_3() throws Exception {
        List<Map<String, String>> grants = sql("SHOW GRANTS TO USER ANALYST");
        assertEquals(List.of("SYSADMIN", "ANALYST_CLI_ROLE"), grants.stream().map(r -> r.get("role")).toList());
        assertTrue(
                grants.stream().allMatch(r -> r.get("granted_on").equals("ROLE") && r.get("grantee_name").equals("ANALYST")));
        assertEquals(List.of("ANALYST_CLI_ROLE"),
                sql("SHOW GRANTS TO USER ANALYST_CLI").stream().map(r -> r.get("role")).toList());
        sql("REVOKE ROLE SYSADMIN FROM USER ANALYST");
        assertEquals(List.of("ANALYST_CLI_ROLE"), sql("SHOW GRANTS TO USER ANALYST").stream().map(r -> r.get("role")).toList());
    }

    @Test
    void showGrantsOnAUserShowsWhoMayManageItsTokens() throws Exception {
        List<Map<String, String>> grants = sql("SHOW GRANTS ON USER ANALYST_CLI");
        // setup.sql: the rotator owns the CLI user and needs no other grant on it
        assertEquals(List.of("OWNERSHIP PATROL_ROTATOR_ROLE"),
                grants.stream().map(g -> g.get("privilege") + " " + g.get("grantee_name")).toList());
        assertTrue(
                sql("SHOW GRANTS TO ROLE PATROL_ROTATOR_ROLE").stream().noneMatch(g -> g.get("privilege").equals("MONITOR")));
        assertEquals(List.of("SECURITYADMIN", "PATROL_ROTATOR"),
                sql("SHOW GRANTS OF ROLE PATROL_ROTATOR_ROLE").stream().map(g -> g.get("grantee_name")).toList());
    }

    @Test
    void leastPrivilegedRotatorSeesOnlyItsCliUsers() throws Exception {
        try (Connection r = f.rotator()) {
            assertEquals("SERVICE", rows(r, "DESCRIBE USER ANALYST_CLI").stream().filter(x -> x.get("property").equals("TYPE"))
                    .findFirst().orElseThrow().get("value"));
            assertEquals(1, rows(r, "SHOW GRANTS TO USER ANALYST_CLI").size());
            assertSnowflakeError(3001, "42501", () -> rows(r, "DESCRIBE USER ADMIN"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "CREATE USER SNEAKY"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "GRANT ROLE ACCOUNTADMIN TO USER PATROL_ROTATOR"));
            assertSnowflakeError(3001, "42501", () -> rows(r, "ALTER USER ANALYST SET DISABLED = TRUE"));
            rows(r, "ALTER USER ANALYST_CLI SET DISABLED = TRUE"); // an incident may disable the CLI user it owns
            assertEquals(List.of("ANALYST_CLI"),
                    rows(r, "SHOW USERS").stream().map(x -> x.get("name")).filter(n -> !n.equals("PATROL_ROTATOR")).toList());
        }
    }

    @Test
    void roleHierarchyGivesSecurityAdminUserAdminsObjects() throws Exception {
        try (Connection c = f.password("ADMIN", EmulatorFixture.ADMIN_PASSWORD, "SECURITYADMIN")) {
            rows(c, "CREATE ROLE R1");
            rows(c, "CREATE USER U1 TYPE = SERVICE");
            rows(c, "GRANT ROLE R1 TO USER U1");
            rows(c, "DROP USER U1");
        }
        try (Connection c = f.password("ADMIN", EmulatorFixture.ADMIN_PASSWORD, "SYSADMIN")) {
            // only the primary role authorises CREATE; secondary roles (ALL by default) authorise the rest
            assertSnowflakeError(3001, "42501", () -> rows(c, "CREATE USER U2"));
            rows(c, "USE SECONDARY ROLES NONE");
            assertSnowflakeError(3001, "42501", () -> rows(c, "DROP ROLE R1"));
            rows(c, "USE SECONDARY ROLES ALL");
            rows(c, "DROP ROLE R1");
        }
        assertSnowflakeError(2029, "22023", () -> sql("GRANT ROLE ACCOUNTADMIN TO ROLE SECURITYADMIN"));
    }

    @Test
    void useRoleAndSecondaryRoles() throws Exception {
        try (Connection c = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD)) {
            assertEquals("SYSADMIN", scalar(c, "SELECT CURRENT_ROLE()"));
            rows(c, "USE ROLE ANALYST_CLI_ROLE");
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
            assertSnowflakeError(3013, "42501", () -> rows(c, "USE ROLE ACCOUNTADMIN"));
            rows(c, "USE SECONDARY ROLES NONE");
            assertEquals("{\"roles\":\"\",\"value\":\"\"}", scalar(c, "SELECT CURRENT_SECONDARY_ROLES()"));
            rows(c, "USE SECONDARY ROLES ALL");
            assertTrue(scalar(c, "SELECT CURRENT_SECONDARY_ROLES()").contains("\"value\":\"ALL\""));
        }
    }

    @Test
    void selectOfSessionFunctionsNamesColumnsAfterTheExpression() throws Exception {
        try (Statement s = admin.createStatement();
                ResultSet rs = s.executeQuery("select current_role(), current_user() as who, 1, 'x'")) {
            assertEquals("CURRENT_ROLE()", rs.getMetaData().getColumnLabel(1));
            assertEquals("WHO", rs.getMetaData().getColumnLabel(2));
            assertTrue(rs.next());
            assertEquals("ACCOUNTADMIN", rs.getString(1));
            assertEquals(1, rs.getLong(3));
            assertEquals("x", rs.getString(4));
        }
    }

    @Test
    void databasesSchemasWarehousesAndUse() throws Exception {
        sql("CREATE DATABASE IF NOT EXISTS DB1");
        assertEquals("DB1", scalar(admin, "SELECT CURRENT_DATABASE()"));
        assertEquals("PUBLIC", scalar(admin, "SELECT CURRENT_SCHEMA()"));
        sql("CREATE SCHEMA S1");
        assertEquals("S1", scalar(admin, "SELECT CURRENT_SCHEMA()"));
        sql("USE SCHEMA DB1.PUBLIC");
        sql("USE DATABASE PATROL_ADMIN");
        sql("USE WAREHOUSE ANALYST_WH");
        assertEquals("ANALYST_WH", scalar(admin, "SELECT CURRENT_WAREHOUSE()"));
        assertEquals("DB1 already exists, statement succeeded.", sql("CREATE DATABASE IF NOT EXISTS DB1").get(0).get("status"));
        assertSnowflakeError(2002, "42710", () -> sql("CREATE DATABASE DB1"));
        assertSnowflakeError(2043, "02000", () -> sql("USE DATABASE NOPE"));
    }

    @Test
    void schemaObjectsNeedACurrentDatabaseOrAQualifiedName() throws Exception {
        assertSnowflakeError(90105, "22000", () -> sql("CREATE AUTHENTICATION POLICY P1"));
        sql("USE SCHEMA PATROL_ADMIN.POLICIES");
        sql("CREATE AUTHENTICATION POLICY p1 AUTHENTICATION_METHODS = ('KEYPAIR')");
        assertEquals(1, sql("SHOW AUTHENTICATION POLICIES LIKE 'P1'").size());
        sql("DROP AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.P1");
        assertEquals(0, sql("SHOW AUTHENTICATION POLICIES LIKE 'P1'").size());
    }

    @Test
    void attachedPoliciesCannotBeDropped() {
        assertSnowflakeError(2029, "22023", () -> sql("DROP AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT"));
        assertSnowflakeError(2029, "22023", () -> sql("DROP NETWORK POLICY PATROL_CLI_NETWORK_POLICY"));
    }

    @Test
    void showParametersGivesTheNetworkPolicyOfAUserAndTheAccount() throws Exception {
        assertEquals("PATROL_CLI_NETWORK_POLICY",
                sql("SHOW PARAMETERS LIKE 'network_policy' IN USER ANALYST_CLI").get(0).get("value"));
        assertEquals("USER", sql("SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN USER ANALYST_CLI").get(0).get("level"));
        assertEquals("", sql("SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN ACCOUNT").get(0).get("value"));
        assertEquals(0, sql("SHOW PARAMETERS LIKE 'TIMEZONE' IN ACCOUNT").size());
        try (Connection r = f.rotator()) {
            assertEquals(1, rows(r, "SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN USER ANALYST_CLI").size(), "MONITOR suffices");
            assertSnowflakeError(3001, "42501", () -> rows(r, "SHOW PARAMETERS IN USER ADMIN"));
        }
    }

    @Test
    void badSqlGetsSnowflakesErrorsNeverATrace() {
        SQLException e = assertSnowflakeError(1003, "42000", () -> sql("SELEKT 1"));
        assertTrue(e.getMessage().startsWith("SQL compilation error:"), e.getMessage());
        assertSnowflakeError(1003, "42000", () -> sql("ALTER USER ANALYST_CLI ADD PAT"));
        assertSnowflakeError(1003, "42000", () -> sql("CREATE ROLE 'quoted string'"));
        assertSnowflakeError(1003, "42000", () -> sql("SELECT 'unterminated"));
        assertSnowflakeError(2003, "02000", () -> sql("ALTER USER NOBODY SET COMMENT = 'x'"));
        assertSnowflakeError(2003, "02000", () -> sql("GRANT ROLE NOPE TO USER ANALYST"));
        assertSnowflakeError(2, "0A000", () -> sql("INSERT INTO T VALUES (1)"));
        assertSnowflakeError(2, "0A000", () -> sql("CREATE TABLE T (X INT)"));
        assertSnowflakeError(2, "0A000", () -> sql("SELECT 1 FROM T"));
        assertSnowflakeError(2029, "22023", () -> sql("CREATE USER X NOT_A_PROPERTY = 1"));
        assertSnowflakeError(2029, "22023", () -> sql("CREATE USER X TYPE = ROBOT"));
        assertSnowflakeError(2029, "22023", () -> sql("GRANT FLY ON USER ANALYST TO ROLE PUBLIC"));
        assertSnowflakeError(2029, "22023", () -> sql("ALTER USER ANALYST SET RSA_PUBLIC_KEY = 'bm90IGEga2V5'"));
        assertSnowflakeError(8, "0A000", () -> sql("SELECT 1; SELECT 2"));
        assertSnowflakeError(1044, "42P13", () -> sql("SELECT CURRENT_ROLE('x')"));
    }

    @Test
    void statementTypesDecideWhetherExecuteReturnsRows_protocol_4_2() throws Exception {
        try (Statement s = admin.createStatement()) {
            assertTrue(s.execute("SHOW USERS"));
            assertTrue(s.execute("DESCRIBE USER ADMIN"));
            assertTrue(s.execute("SELECT 1"));
            assertFalse(s.execute("CREATE ROLE R_TYPES"));
            assertEquals(0, s.getUpdateCount());
            assertFalse(s.execute("USE ROLE ACCOUNTADMIN"));
            assertFalse(s.execute("alter session /* JDBC:SnowflakeConnectionImpl.setAutoCommit*/ set autocommit=false"));
            assertFalse(s.execute("commit"));
        }
        admin.setAutoCommit(false);
        admin.commit();
        admin.rollback();
    }

    @Test
    void preparedStatementsDescribeWithoutRunning() throws Exception {
        try (var ps = admin.prepareStatement("CREATE ROLE PREPARED_ROLE")) {
            assertFalse(sql("SHOW ROLES").stream().anyMatch(r -> r.get("name").equals("PREPARED_ROLE")));
            ps.execute();
        }
        assertTrue(sql("SHOW ROLES").stream().anyMatch(r -> r.get("name").equals("PREPARED_ROLE")));
    }
}
