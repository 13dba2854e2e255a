package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The suspension flag as Vault may hold it, written by patrol or by hand: one reading, failing closed. */
class ConnectionStateTest {

    @Test
    void anyValueButFalseSuspends() {
        for (String v : new String[] { "true", "TRUE", "yes", "1", "", " ", "0" })
            assertEquals(true, ConnectionState.suspended(Map.of(ConnectionState.SUSPENDED, v)), "'" + v + "'");
        for (String v : new String[] { "false", "FALSE", " False " })
            assertEquals(false, ConnectionState.suspended(Map.of(ConnectionState.SUSPENDED, v)), "'" + v + "'");
        assertEquals(false, ConnectionState.suspended(Map.of()), "no flag");
        assertEquals(true, ConnectionState.from(Map.of(ConnectionState.SUSPENDED, ""), 3).suspended(),
                "the state read for rotation agrees with the history's reading");
    }
}
