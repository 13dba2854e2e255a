package dev.patrol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The one-way boundary, checked on the compiled classes: the emulators compile together with
 * patrol (quarkus:dev, tests), so the compiler would accept a production class that names one;
 * the packaged application would then fail only at run time. No production class file may
 * mention {@code dev/patrol/devservices} (a type, a method or a reflective class name).
 */
class OneWayBoundaryTest {

    @Test
    void noProductionClassMentionsTheEmulators() throws IOException {
        Path classes = Path.of("target/classes/dev/patrol");
        assertTrue(Files.isDirectory(classes), "run after compile");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(classes)) {
            offenders = files.filter(p -> p.toString().endsWith(".class"))
                    .filter(p -> !p.startsWith(classes.resolve("devservices")))
                    .filter(p -> mentions(p, "dev/patrol/devservices") || mentions(p, "dev.patrol.devservices"))
                    .map(p -> classes.relativize(p).toString()).sorted().toList();
        }
        assertEquals(List.of(), offenders, "production classes that reach an emulator class");
    }

    private static boolean mentions(Path classFile, String text) {
        try {
            return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
