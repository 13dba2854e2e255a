package dev.patrol.snowflake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void plainIdentifiersAreUpperCasedAndQuoted() {
        assertEquals("\"ANALYST_CLI\"", Identifiers.quoted("analyst_cli"));
        assertEquals("_X$1", Identifiers.normalize("_x$1"));
        assertTrue(Identifiers.isValid("A".repeat(255)));
    }

    @Test
    void anythingElseIsRefusedBeforeItReachesSql() {
        for (String bad : new String[] { "", "1ABC", "a-b", "a b", "x\"; DROP USER ADMIN; --", "\"QUOTED\"", "a'b",
                "A".repeat(256), "é", "a\nb" }) {
            assertFalse(Identifiers.isValid(bad), bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Identifiers.quoted(bad));
            assertFalse(e.getMessage().contains("\n"), "one-line message");
        }
        assertThrows(IllegalArgumentException.class, () -> Identifiers.normalize(null));
    }

    @Test
    void literalsEscapeQuotesAndBackslashes() {
        assertEquals("'patrol:it''s \\\\ fine'", Identifiers.literal("patrol:it's \\ fine"));
    }

    @Test
    void secretsDoNotPrint() {
        Secret s = new Secret("pat-value-123");
        assertEquals("****", s.toString());
        assertEquals("pat-value-123", s.reveal());
        assertFalse(String.valueOf(new SnowflakeAdmin.Added("T", s)).contains("pat-value-123"));
    }
}
