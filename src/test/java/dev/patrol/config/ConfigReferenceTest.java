package dev.patrol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** The README's configuration reference and the @ConfigMapping name exactly the same keys. */
class ConfigReferenceTest {

    @Test
    void readmeAndMappingAgree() throws Exception {
        TreeSet<String> mapped = ConfigKeys.all();
        TreeSet<String> documented = ConfigKeys.documented(Files.readString(Path.of("README.md")));
        assertTrue(mapped.contains("patrol.connections.*.user"), mapped.toString());
        TreeSet<String> undocumented = new TreeSet<>(mapped);
        undocumented.removeAll(documented);
        TreeSet<String> unknown = new TreeSet<>(documented);
        unknown.removeAll(mapped);
        assertEquals(new TreeSet<>(), undocumented, "keys the README does not document");
        assertEquals(new TreeSet<>(), unknown, "keys the README documents that patrol does not have");
    }
}
