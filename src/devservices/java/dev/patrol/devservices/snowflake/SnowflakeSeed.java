package dev.patrol.devservices.snowflake;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The emulated account's starting state (README "Try it"; these names are a contract that tests and
 * scripts rely on): an admin login, then the operator's own {@code deploy/snowflake/setup.sql}, run
 * unchanged for {@code ANALYST_CLI}, then the person user {@code ANALYST} the pattern protects against.
 */
public final class SnowflakeSeed {

    public static final String ADMIN_ROLE = "ACCOUNTADMIN";
    public static final String ANALYST = "ANALYST";
    public static final String ANALYST_PASSWORD = "patrol-dev-analyst";
    public static final String CLI_USER = "ANALYST_CLI";
    public static final String CLI_ROLE = "ANALYST_CLI_ROLE";
    public static final String CLI_WAREHOUSE = "ANALYST_WH";
    public static final String ROTATOR_USER = "PATROL_ROTATOR";
    public static final String ROTATOR_ROLE = "PATROL_ROTATOR_ROLE";
    public static final String SETUP_SCRIPT = "patrol/snowflake/setup.sql";

    private SnowflakeSeed() {
    }

    /** The variables {@code setup.sql} is run with in the emulated account. */
    public static Map<String, String> setupVariables(String rotatorPublicKey) {
        return Map.of("cli_user", CLI_USER, "cli_role", CLI_ROLE, "warehouse", CLI_WAREHOUSE,
                "rotator_user", ROTATOR_USER, "rotator_role", ROTATOR_ROLE, "rotator_public_key", rotatorPublicKey,
                // the emulator is reached over loopback only
                "cli_allowed_cidr", "127.0.0.0/8", "rotator_allowed_cidr", "127.0.0.0/8");
    }

    public static void apply(SnowflakeEmulator emulator, String adminUser, String adminPassword, String rotatorPublicKey) {
        emulator.runAs("SYSTEM", ADMIN_ROLE, "CREATE USER IF NOT EXISTS " + adminUser + " PASSWORD = '"
                + adminPassword.replace("'", "''")
                + "' DEFAULT_ROLE = ACCOUNTADMIN TYPE = PERSON COMMENT = 'emulator admin login'");
        emulator.runAs("SYSTEM", ADMIN_ROLE, "GRANT ROLE ACCOUNTADMIN TO USER " + adminUser);
        runScript(emulator, adminUser, setupScript(), setupVariables(rotatorPublicKey));
        emulator.runScriptAs(adminUser, ADMIN_ROLE, List.of(
                "USE ROLE USERADMIN",
                "CREATE USER IF NOT EXISTS " + ANALYST + " TYPE = PERSON PASSWORD = '" + ANALYST_PASSWORD
                        + "' DEFAULT_ROLE = SYSADMIN COMMENT = 'a person user with an admin-grade role'",
                "USE ROLE SECURITYADMIN",
                "GRANT ROLE SYSADMIN TO USER " + ANALYST,
                "GRANT ROLE " + CLI_ROLE + " TO USER " + ANALYST));
    }

    /** Runs a script's statements in one session, as the Snowflake CLI would (USE ROLE carries over). */
    public static void runScript(SnowflakeEmulator emulator, String user, String template, Map<String, String> variables) {
        emulator.runScriptAs(user, ADMIN_ROLE, SqlScript.statements(SqlScript.render(template, variables)));
    }

    public static String setupScript() {
        try (InputStream in = SnowflakeSeed.class.getClassLoader().getResourceAsStream(SETUP_SCRIPT)) {
            if (in == null)
                throw new IllegalStateException(SETUP_SCRIPT + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
