package dev.patrol.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * After {@code package} (Failsafe): the production application holds no emulator, refuses to run
 * dev services, and works against the emulators' own artifact as it would against real systems.
 */
class PackagedApplicationIT {

    static final Path WORK = Path.of("target", "packaged-it");

    @Test
    void theProductionApplicationHoldsNoEmulatorClassAndNoSeedFile() throws IOException {
        List<String> offending = new ArrayList<>();
        int entries = 0;
        try (Stream<Path> files = Files.walk(Path.of("target", "quarkus-app"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.toString();
                if (name.contains("devservices"))
                    offending.add(name);
                if (!name.endsWith(".jar") && !name.endsWith(".dat"))
                    continue;
                if (name.endsWith(".dat")) {
                    // the application's index: with aot-jar, copies of every jar's service files and
                    // application.properties, and the entries at the root and in META-INF
                    if (new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains("dev/patrol/devservices")) {
                        offending.add(name + " (index)");
                    }
                    continue;
                }
                try (ZipFile zip = new ZipFile(f.toFile())) {
                    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                        entries++;
                        String n = e.getName();
                        if (n.startsWith("dev/patrol/devservices") || n.startsWith("patrol/snowflake")
                                || n.startsWith("patrol/vault")
                                || n.endsWith("setup.sql") || n.endsWith(".hcl")) {
                            offending.add(f.getFileName() + "!" + n);
                        }
                    }
                }
            }
        }
        assertTrue(entries > 1000, "the listing looked at the packaged application (" + entries + " entries)");
        assertEquals(List.of(), offending, "emulator code or seed data in the production application");
    }

    /**
     * aot-jar: the JVM's own class loader follows quarkus-run.jar's Class-Path and, in turn, the
     * Class-Path of every jar it opens (fast-jar's loader used only its own index). Whatever it can
     * load must lie inside the application the listing above scans; an entry naming a missing file is
     * skipped by the JVM (cron-utils names slf4j-api-2.0.7.jar), one outside would escape the scan.
     */
    @Test
    void everyJarTheJvmCanLoadLiesInsideTheScannedApplication() throws IOException {
        Path app = Path.of("target", "quarkus-app").toAbsolutePath().normalize();
        java.util.Deque<Path> todo = new java.util.ArrayDeque<>(List.of(app.resolve("quarkus-run.jar")));
        java.util.Set<Path> jars = new java.util.LinkedHashSet<>();
        List<String> outside = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        while (!todo.isEmpty()) {
            Path jar = todo.pop();
            if (!jars.add(jar) || !Files.isRegularFile(jar))
                continue;
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile())) {
                java.util.jar.Manifest m = j.getManifest();
                String cp = m == null ? null : m.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
                if (cp == null)
                    continue;
                for (String entry : cp.trim().split("\\s+")) {
                    URI u = jar.toUri().resolve(entry);
                    Path p = "file".equals(u.getScheme()) ? Path.of(u).normalize() : null;
                    if (p == null || !p.startsWith(app)) {
                        outside.add(app.relativize(jar) + " -> " + entry);
                    } else {
                        if (jar.endsWith("quarkus-run.jar") && !Files.isRegularFile(p))
                            missing.add(entry);
                        todo.add(p);
                    }
                }
            }
        }
        assertTrue(jars.size() > 100, "the Class-Path names the application's jars (" + jars.size() + ")");
        assertEquals(List.of(), outside, "the JVM would load these from outside the application");
        assertEquals(List.of(), missing, "quarkus-run.jar names jars the application lacks");
    }

    @Test
    void theEmulatorsArtifactHoldsTheEmulatorsAndTheirSeed() throws IOException {
        try (ZipFile zip = new ZipFile(StandaloneEmulators.JAR.toFile())) {
            for (String n : List.of("dev/patrol/devservices/EmulatorsMain.class",
                    "dev/patrol/devservices/snowflake/SnowflakeEmulator.class",
                    "dev/patrol/devservices/vault/VaultEmulator.class", "patrol/snowflake/setup.sql", "patrol/vault/patrol.hcl",
                    "com/fasterxml/jackson/databind/ObjectMapper.class")) {
                assertTrue(zip.getEntry(n) != null, n + " missing from " + StandaloneEmulators.JAR);
            }
            assertTrue(zip.getEntry("dev/patrol/rotation/RotationEngine.class") == null,
                    "patrol itself is not in the emulators' artifact");
        }
    }

    @Test
    void devServicesNextToARealAccountAreRefusedWithOneClearError() throws Exception {
        Files.createDirectories(WORK);
        Map<String, String> env = new HashMap<>();
        env.put("PATROL_DEVSERVICES_ENABLED", "true");
        env.put("PATROL_SNOWFLAKE_ACCOUNT", "ACME-PROD");
        try (PatrolProcess p = PatrolProcess.start(env, WORK.resolve("refused.log"))) {
            assertTrue(p.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "patrol did not stop");
            assertFalse(p.process().exitValue() == 0, "patrol must not start");
            String log = p.log();
            assertTrue(log.contains("this production build contains no emulators"), log);
            assertTrue(log.contains("together with real Snowflake or Vault settings (patrol.snowflake.account)"), log);
            assertFalse(log.contains("Listening on"), log);
        }
    }

    @Test
    void theProductionApplicationRotatesAgainstTheStandaloneEmulatorsAndStopsQuickly() throws Exception {
        Path dir = WORK.resolve("standalone");
        try (StandaloneEmulators emulators = StandaloneEmulators.start(dir);
                PatrolProcess patrol = PatrolProcess.start(emulators.patrolEnvironment(),
                        StandaloneEmulators.seededConnection(), dir.resolve("patrol.log"))) {
            assertTrue(patrol.awaitReady(Duration.ofSeconds(60)) > 0, () -> "not ready:\n" + safeLog(patrol));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> token = null;
            // the first sweep runs two seconds after start; wait for its secret (bounded)
            for (int i = 0; i < 300; i++) {
                token = http.send(HttpRequest.newBuilder(URI.create(patrol.url("/api/v1/connections/analyst_cli/token")))
                        .header("X-Vault-Token", emulators.token("developer")).build(), HttpResponse.BodyHandlers.ofString());
                if (token.statusCode() == 200)
                    break;
                Thread.sleep(50);
            }
            assertEquals(200, token.statusCode(), token.body());
            assertTrue(token.body().contains("\"role\":\"ANALYST_CLI_ROLE\""), "the minted secret's connection parameters");
            double stopped = patrol.stop(Duration.ofSeconds(15));
            assertTrue(stopped > 0, "patrol did not stop within 15 s");
            String log = patrol.log();
            assertFalse(log.contains("SEVERE"), "quiet shutdown:\n" + log);
            assertFalse(log.contains(token.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1")), "no secret in the log");
        }
    }

    /**
     * The container image's training stage, run here: the script writes an archive, and the JVM
     * maps it for the packaged application ({@code -Xshare:on} refuses to start otherwise) and takes
     * nearly every class it loads from it.
     */
    @Test
    void theTrainingRunWritesAClassDataArchiveTheApplicationStartsWith() throws Exception {
        Path app = Path.of("target", "quarkus-app");
        Path log = Files.createDirectories(WORK).resolve("cds-training.log");
        ProcessBuilder training = new ProcessBuilder("bash", "deploy/docker/cds-training.sh", app.toString(),
                "target/patrol-emulators.jar").redirectErrorStream(true).redirectOutput(log.toFile());
        // the options the image's training stage gives it (deploy/docker/Dockerfile's RUN line)
        java.util.regex.Matcher opts = java.util.regex.Pattern
                .compile("RUN JAVA_OPTS=\"([^\"]*)\" bash /tmp/cds/cds-training.sh")
                .matcher(Files.readString(Path.of("deploy/docker/Dockerfile")));
        assertTrue(opts.find(), "the training stage's RUN line");
        training.environment().put("JAVA_OPTS", opts.group(1));
        Process t = training.start();
        try {
            assertTrue(t.waitFor(240, java.util.concurrent.TimeUnit.SECONDS), "the training run did not end");
        } finally {
            // a run that did not end is stopped: its exit trap stops the emulators and patrol
            t.destroy();
        }
        assertEquals(0, t.exitValue(), Files.readString(log));
        assertTrue(Files.size(app.resolve("app-cds.jsa")) > 10 << 20, "an archive of the classes start-up loads");

        // the JVM maps the archive or refuses to start; patrol then stops on its missing configuration. As in
        // the pod: run-java.sh's heap share of the 512Mi limit, from the application's directory, the jar by
        // its absolute path
        Path run = WORK.resolve("cds-run.log");
        Process p = new ProcessBuilder("java", "-Xshare:on", "-XX:SharedArchiveFile=app-cds.jsa", "-XX:MaxRAM=512m",
                "-XX:MaxRAMPercentage=50.0", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xlog:class+load=info", "-jar",
                app.toAbsolutePath().resolve("quarkus-run.jar").toString()).directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(run.toFile()).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "patrol did not stop");
        String out = Files.readString(run);
        assertTrue(out.contains("patrol configuration is inconsistent"), "the JVM ran patrol with the archive:\n" + out);
        // aot-jar: the JVM's own class loader loads patrol and its libraries, so the archive holds them
        // too (with fast-jar's class loader about a fifth of the classes were read from the jars again)
        long loaded = out.lines().filter(l -> l.contains(" source: ")).count();
        long archived = out.lines().filter(l -> l.contains(" source: shared objects file")).count();
        assertTrue(out.contains("source: shared objects file (top)"), "classes came from the training run's archive");
        assertTrue(archived >= loaded * 95 / 100, archived + " of " + loaded + " classes came from the archive");
    }

    private static String safeLog(PatrolProcess p) {
        try {
            return p.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
