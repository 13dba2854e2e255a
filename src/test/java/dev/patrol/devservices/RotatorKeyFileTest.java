package dev.patrol.devservices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The emulators write the rotator's key (0600) when asked, so patrol processes started separately can log in. */
@QuarkusTest
@TestProfile(RotatorKeyFileTest.Standalone.class)
class RotatorKeyFileTest {

    static final Path KEY = Path.of("target", "rotator-key-file-test", "rotator.p8");

    public static class Standalone implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("patrol.devservices.snowflake.rotator-key-file", KEY.toString());
        }
    }

    @Inject
    DevServices devServices;

    @Test
    void rotatorKeyFileIsPrivateAndWorks() throws Exception {
        assertTrue(Files.exists(KEY));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(KEY)));
        SnowflakeEmulator snowflake = devServices.snowflake().orElseThrow();
        try (Connection c = DevServicesTest.loginWithKeyFile(snowflake, KEY);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            assertTrue(rs.next());
            assertEquals("PATROL_ROTATOR_ROLE", rs.getString(1));
        }
    }
}
