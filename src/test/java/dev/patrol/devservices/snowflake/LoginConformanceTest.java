package dev.patrol.devservices.snowflake;

import static dev.patrol.devservices.snowflake.EmulatorFixture.assertSnowflakeError;
import static dev.patrol.devservices.snowflake.EmulatorFixture.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Logins through the real snowflake-jdbc driver: protocol spec §4.1, snowflake-pat.md §2 and §6. */
class LoginConformanceTest {

    @RegisterExtension
    final EmulatorFixture f = new EmulatorFixture();

    @Test
    void passwordLoginUsesTheDefaultRole_protocol_4_1() throws Exception {
        try (Connection c = f.admin()) {
            assertEquals("ACCOUNTADMIN", scalar(c, "SELECT CURRENT_ROLE()"));
            assertEquals("ADMIN", scalar(c, "select current_user()"));
            assertEquals("PATROLDEV", scalar(c, "SELECT CURRENT_ACCOUNT()"));
        }
    }

    @Test
    void loginRoleArrivesAsTypedAndIsUpperCased_protocol_G12() throws Exception {
        try (Connection c = f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD, "analyst_cli_role")) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void wrongPasswordIs390100_protocol_4_1() {
        assertSnowflakeError(390100, "08001", () -> f.password("ADMIN", "not-the-password").close());
        assertSnowflakeError(390100, "08001", () -> f.password("NOBODY", "x").close());
    }

    @Test
    void roleNotGrantedAtLoginIs390189_protocol_4_1() {
        assertSnowflakeError(390189, "08001",
                () -> f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD, "ACCOUNTADMIN").close());
    }

    @Test
    void serviceUserCannotLogInWithAPassword_pat_4_1() {
        f.admin("ALTER USER ANALYST SET TYPE = SERVICE");
        assertSnowflakeError(390100, "08001", () -> f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD).close());
    }

    @Test
    void disabledUserCannotLogIn() {
        f.admin("ALTER USER ANALYST SET DISABLED = TRUE");
        assertSnowflakeError(390101, "08001", () -> f.password("ANALYST", SnowflakeSeed.ANALYST_PASSWORD).close());
    }

    @Test
    void keyPairLoginVerifiesTheSignature_pat_6() throws Exception {
        try (Connection c = f.rotator()) {
            assertEquals("PATROL_ROTATOR_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
            assertEquals("PATROL_ROTATOR", scalar(c, "SELECT CURRENT_USER()"));
        }
        KeyPair other = RsaKeys.generate();
        Properties p = new Properties();
        p.put("user", "PATROL_ROTATOR");
        p.put("privateKey", other.getPrivate());
        assertSnowflakeError(394304, "08001", () -> f.connect(p).close());
    }

    @Test
    void keyPairLoginFromAPrivateKeyFile_pat_6(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("rotator.p8");
        Files.writeString(key, RsaKeys.privateKeyPem(EmulatorFixture.ROTATOR_KEY));
        Properties p = new Properties();
        p.put("user", "patrol_rotator");
        p.put("authenticator", "SNOWFLAKE_JWT");
        p.put("private_key_file", key.toString());
        try (Connection c = f.connect(p)) {
            assertEquals("PATROL_ROTATOR_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void secondPublicKeyAllowsZeroDowntimeKeyRotation_pat_6() throws Exception {
        KeyPair next = RsaKeys.generate();
        f.admin("ALTER USER PATROL_ROTATOR SET RSA_PUBLIC_KEY_2 = '" + RsaKeys.publicKeyValue(next) + "'");
        Properties p = new Properties();
        p.put("user", "PATROL_ROTATOR");
        p.put("privateKey", next.getPrivate());
        try (Connection c = f.connect(p)) {
            assertEquals("PATROL_ROTATOR", scalar(c, "SELECT CURRENT_USER()"));
        }
    }

    @Test
    void patLoginWithTheTokenAuthenticator_pat_2_2() throws Exception {
        String secret = f.addCliPat("CLI");
        try (Connection c = f.pat("ANALYST_CLI", secret)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
            assertEquals("ANALYST_CLI", scalar(c, "SELECT CURRENT_USER()"));
        }
    }

    @Test
    void patLoginAsAPassword_protocol_G11() throws Exception {
        String secret = f.addCliPat("CLI");
        try (Connection c = f.password("ANALYST_CLI", secret)) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void patLoginAskingForItsOwnRoleWorks_pat_2_4() throws Exception {
        String secret = f.addCliPat("CLI");
        try (Connection c = f.pat("ANALYST_CLI", secret, "analyst_cli_role")) {
            assertEquals("ANALYST_CLI_ROLE", scalar(c, "SELECT CURRENT_ROLE()"));
        }
    }

    @Test
    void patLoginAskingForAnotherRoleFails_pat_2_4() {
        f.admin("CREATE ROLE OTHER_ROLE");
        f.admin("GRANT ROLE OTHER_ROLE TO USER ANALYST_CLI");
        String secret = f.addCliPat("CLI");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", secret, "OTHER_ROLE").close());
    }

    @Test
    void unknownOrWrongUserPatIs394400_pat_1_8() {
        String secret = f.addCliPat("CLI");
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST_CLI", "not-a-token").close());
        assertSnowflakeError(394400, "08001", () -> f.pat("ANALYST", secret).close());
    }

    @Test
    void loginsAreRecordedWithoutCredentials() throws Exception {
        String secret = f.addCliPat("CLI");
        f.pat("ANALYST_CLI", secret).close();
        SnowflakeEmulator.RecordedLogin last = f.emulator.logins().get(f.emulator.logins().size() - 1);
        assertEquals("OK", last.outcome());
        assertEquals("JSON", last.sessionParameters().get("JDBC_QUERY_RESULT_FORMAT"));
        assertTrue(!last.toString().contains(secret));
    }
}
