package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.rows;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authentication and network policies, role revocation and disabled users: the rules of
 * snowflake-pat.md §0, §1.9 and §3 that decide whether a PAT may be minted or used.
 */
class PolicyConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();

    void assertCliPatWorks(String secret) throws Exception {
        try (Connection c = f.pat("ANALYST_CLI", secret)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void personUsersCanNeitherMintNorUsePats_pat_1_1() {
        // ANALYST is a person user; setup.sql attaches a policy without PROGRAMMATIC_ACCESS_TOKEN to all person users.
        assertSnowflakeError(2029, "22023",
                () -> f.sql("ALTER USER ANALYST ADD PAT MINE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("ALTER USER ANALYST SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY");
        String secret = f.admin("ALTER USER ANALYST ADD PAT MINE").get(0).get("token_secret");
        f.admin("ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT FOR ALL PERSON USERS");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST", secret).close());
    }

    @Test
    void unrestrictedPersonTokenUsesTheDefaultRoleWhenPolicyAllows_pat_2_4() throws Exception {
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("ALTER USER ANALYST SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY");
        String secret = f.admin("ALTER USER ANALYST ADD PAT MINE").get(0).get("token_secret");
        try (Connection c = f.pat("ANALYST", secret)) {
            assertEquals("SYSADMIN", scalar(c, "SELECT CURRENT_ROLE()"));
        }
        try (Connection c = f.pat("ANALYST", secret, "ANALYST_CLI_ROLE")) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void serviceUserNeedsANetworkPolicyToMintAndUse_pat_0_4() throws Exception {
        String secret = f.addCliPat("CLI");
        f.admin("ALTER USER ANALYST_CLI UNSET NETWORK_POLICY");
        assertSnowflakeError(390432, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        assertSnowflakeError(2029, "22023",
                () -> f.sql("ALTER USER ANALYST_CLI ADD PAT CLI2 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
        // an account-level network policy satisfies the requirement too
        f.admin("ALTER ACCOUNT SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY");
        assertCliPatWorks(secret);
    }

    @Test
    void networkPolicyEvaluationCanBeRelaxed_pat_3_2() throws Exception {
        String secret = f.addCliPat("CLI");
        f.admin("ALTER USER ANALYST_CLI UNSET NETWORK_POLICY");
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (NETWORK_POLICY_EVALUATION = ENFORCED_NOT_REQUIRED)");
        assertCliPatWorks(secret);
    }

    @Test
    void networkPolicyIsEnforcedAgainstTheClientAddress_pat_3_4() throws Exception {
        String secret = f.addCliPat("CLI");
        f.admin("CREATE NETWORK RULE PATROL_ADMIN.POLICIES.ELSEWHERE MODE = INGRESS TYPE = IPV4 VALUE_LIST = ('203.0.113.0/24')");
        f.admin("ALTER NETWORK POLICY PATROL_CLI_NETWORK_POLICY SET ALLOWED_NETWORK_RULE_LIST = ('PATROL_ADMIN.POLICIES.ELSEWHERE')");
        assertSnowflakeError(390422, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (NETWORK_POLICY_EVALUATION = NOT_ENFORCED)");
        assertCliPatWorks(secret);
    }

    @Test
    void revokingOrDroppingTheRoleBreaksThePatWithoutChangingItsStatus_pat_0_5() throws Exception {
        String secret = f.addCliPat("CLI");
        f.admin("REVOKE ROLE ANALYST_CLI_ROLE FROM USER ANALYST_CLI");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        assertEquals("ACTIVE", f.admin("SHOW USER PATS FOR USER ANALYST_CLI").get(0).get("status"));
        f.admin("GRANT ROLE ANALYST_CLI_ROLE TO USER ANALYST_CLI");
        assertCliPatWorks(secret);
        f.admin("DROP ROLE ANALYST_CLI_ROLE");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
    }

    @Test
    void blockedRolesAndLowerMaxExpiryInvalidateTokens_pat_3_2() throws Exception {
        String secret = f.addCliPat("CLI"); // 30 days, the policy default
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (DEFAULT_EXPIRY_IN_DAYS = 7 MAX_EXPIRY_IN_DAYS = 7)");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (BLOCKED_ROLES_LIST = ('ANALYST_CLI_ROLE'))");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        assertSnowflakeError(2029, "22023",
                () -> f.sql("ALTER USER ANALYST_CLI ADD PAT CLI2 ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'"));
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT UNSET PAT_POLICY");
        assertCliPatWorks(secret);
    }

    @Test
    void unrestrictedServiceTokensNeedThePolicyToAllowThem_pat_3_2() throws Exception {
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = FALSE)");
        String secret = f.admin("ALTER USER ANALYST_CLI ADD PAT OPEN").get(0).get("token_secret");
        try (Connection c = f.pat("ANALYST_CLI", secret)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"), "the default role");
        }
        // flipping the requirement back on kills the unrestricted token
        f.admin("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = (REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = TRUE)");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
    }

    @Test
    void disablingTheUserDisablesItsTokensForGood_pat_1_4() throws Exception {
        String secret = f.addCliPat("CLI");
        f.admin("ALTER USER ANALYST_CLI SET DISABLED = TRUE");
        assertSnowflakeError(390101, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        f.admin("ALTER USER ANALYST_CLI SET DISABLED = FALSE");
        assertEquals("DISABLED", f.admin("SHOW USER PATS FOR USER ANALYST_CLI").get(0).get("status"));
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret).close());
        f.admin("ALTER USER ANALYST_CLI MODIFY PAT CLI SET DISABLED = FALSE");
        assertCliPatWorks(secret);
    }

    @Test
    void userLevelPolicyWinsOverTypeLevelUnlessForced_pat_3_4() throws Exception {
        f.admin("CREATE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.ANYTHING AUTHENTICATION_METHODS = ('ALL')");
        f.admin("ALTER USER ANALYST SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY");
        // setup.sql set the person policy with FORCE: a user-level exemption does not apply
        f.admin("ALTER USER ANALYST SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.ANYTHING");
        assertSnowflakeError(2029, "22023", () -> f.sql("ALTER USER ANALYST ADD PAT MINE"));
        // without FORCE, the user-level policy is more specific and wins
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.admin("ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT FOR ALL PERSON USERS");
        f.admin("ALTER USER ANALYST ADD PAT MINE");
    }

    @Test
    void authenticationPolicyCanBlockPasswordLogins_pat_3_1() {
        f.admin("CREATE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.KEYS_ONLY AUTHENTICATION_METHODS = ('KEYPAIR')");
        f.admin("ALTER USER ANALYST SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.KEYS_ONLY");
        f.admin("ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT FOR ALL PERSON USERS"); // same policy, no FORCE
        f.admin("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        assertSnowflakeError(390202, "08001", () -> f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD).close());
    }

    @Test
    void describeAndShowAuthenticationPolicies_pat_3_3() throws Exception {
        try (Connection c = f.admin()) {
            List<Map<String, String>> d = rows(c, "DESCRIBE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT");
            Map<String, String> pat = d.stream().filter(r -> r.get("property").equals("PAT_POLICY")).findFirst().orElseThrow();
            assertEquals("{DEFAULT_EXPIRY_IN_DAYS=30, MAX_EXPIRY_IN_DAYS=90, NETWORK_POLICY_EVALUATION=ENFORCED_REQUIRED, "
                    + "REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=true, REQUIRE_ROLE_RESTRICTION_FOR_PERSON_USERS=false, "
                    + "BLOCKED_ROLES_LIST=[ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, ORGADMIN]}", pat.get("value"));
            assertEquals("{DEFAULT_EXPIRY_IN_DAYS=15, MAX_EXPIRY_IN_DAYS=365, NETWORK_POLICY_EVALUATION=ENFORCED_REQUIRED, "
                    + "REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=true, REQUIRE_ROLE_RESTRICTION_FOR_PERSON_USERS=false, "
                    + "BLOCKED_ROLES_LIST=[]}", pat.get("default"));
            Map<String, String> methods = d.stream().filter(r -> r.get("property").equals("AUTHENTICATION_METHODS")).findFirst()
                    .orElseThrow();
            assertEquals("[PROGRAMMATIC_ACCESS_TOKEN, KEYPAIR]", methods.get("value"));

            List<Map<String, String>> onAccount = rows(c, "SHOW AUTHENTICATION POLICIES ON ACCOUNT");
            assertEquals(1, onAccount.size(),
                    "setup.sql attaches the CLI policy per user, only the person policy account-wide");
            assertEquals("ACCOUNT", onAccount.get(0).get("set_on"));
            Map<String, String> person = onAccount.stream().filter(r -> r.get("name").equals("PERSON_USERS_NO_PAT")).findFirst()
                    .orElseThrow();
            assertEquals("{\"target_scopes\":[\"PERSON_USERS\"]}", person.get("options"));
            assertEquals("AUTHENTICATION_POLICY", person.get("kind"));
            assertEquals("PATROL_ADMIN", person.get("database_name"));
        }
    }
}
