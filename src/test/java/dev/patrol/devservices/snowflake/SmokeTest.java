package dev.patrol.devservices.snowflake;

import org.junit.jupiter.api.Test;

import java.sql.Connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void adminLogsIn() throws Exception {
        try (EmulatorFixture f = new EmulatorFixture(); Connection c = f.admin()) {
            assertEquals("ACCOUNTADMIN", EmulatorFixture.scalar(c, "select current_role()"));
            String secret = f.addCliPat("T1");
            try (Connection p = f.pat("ANALYST_CLI", secret)) {
                assertEquals("ANALYST_CLI_ROLE", EmulatorFixture.scalar(p, "SELECT CURRENT_ROLE()"));
            }
            try (Connection r = f.rotator()) {
                assertEquals("PATROL_ROTATOR_ROLE", EmulatorFixture.scalar(r, "SELECT CURRENT_ROLE()"));
                System.out.println(EmulatorFixture.rows(r, "SHOW USER PATS FOR USER ANALYST_CLI"));
            }
        }
    }
}
