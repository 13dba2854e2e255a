package dev.patrol.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/docker/cds-training.sh with a stand-in {@code java} on the PATH: the emulators "start" (a process that waits)
 * and patrol stops at once with a reason. The script must fail with that reason (in a container build its temporary
 * directory, logs included, is gone afterwards) and leave no process behind. Paths carry spaces.
 */
class CdsTrainingScriptTest {

    @TempDir
    Path tmp;

    private static final String STUB = """
            #!/usr/bin/env bash
            case "$*" in
              *quarkus-run.jar*)
                env | grep -E '^(PATROL|QUARKUS)_' | cut -d= -f1 | sort > "$STUB_DIR/patrol.env"
                echo "ERROR [io.quarkus.runtime] Failed to start application: stand-in patrol refuses to start"
                exit 1 ;;
              *)
                echo $$ > "$STUB_DIR/emulators.pid"
                echo "patrol emulators ready: snowflake http://127.0.0.1:1 vault http://127.0.0.1:2"
                echo "  Vault dev token for patrol: t1"
                echo "  Vault dev token for developer: t2"
                exec sleep 120 ;;
            esac
            """;

    @Test
    void aPatrolThatStopsAtOnceIsReportedWithItsLogAndNothingIsLeftBehind() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("stub bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, STUB);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Path app = Files.createDirectories(tmp.resolve("app dir"));
        Path emulators = Files.writeString(tmp.resolve("emu jar.jar"), "");

        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("deploy/docker/cds-training.sh").toAbsolutePath().toString(),
                app.toString(), emulators.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("STUB_DIR", tmp.toString());
        Path scratch = Files.createDirectories(tmp.resolve("scratch dir"));
        pb.environment().put("TMPDIR", scratch.toString());
        // settings in the caller's environment must not reach the training run
        pb.environment().put("PATROL_ACCOUNTS_EU_URL", "https://elsewhere.example");
        pb.environment().put("QUARKUS_HTTP_HOST", "0.0.0.0");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script ended");
        } finally {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        String out = Files.readString(tmp.resolve("out.log"));
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("stand-in patrol refuses to start"), "the reason patrol stopped is shown:\n" + out);
        List<String> seen = Files.readAllLines(tmp.resolve("patrol.env"));
        assertFalse(seen.contains("PATROL_ACCOUNTS_EU_URL"), seen.toString());
        assertTrue(seen.contains("QUARKUS_HTTP_HOST") && seen.contains("PATROL_SNOWFLAKE_URL"),
                "only the script's own: " + seen);
        long emulatorsPid = Long.parseLong(Files.readString(tmp.resolve("emulators.pid")).trim());
        assertFalse(ProcessHandle.of(emulatorsPid).map(ProcessHandle::isAlive).orElse(false), "the emulators were stopped");
        try (var left = Files.list(scratch)) {
            assertEquals(List.of(), left.toList(), "the work directory (the rotator's private key) was removed");
        }
    }
}
