package dev.patrol.devservices.snowflake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A second, independent client: the Node.js Snowflake connector ({@code snowflake-sdk}, pinned in
 * {@code src/test/node/package.json}) logs in to the emulator with a password, a PAT (both ways)
 * and reads results and errors, so the emulator depends on no JDBC-only quirk. The connector is
 * installed from the npm registry into {@code target/} on first use; without {@code node} and
 * {@code npm} on the PATH the test is skipped.
 */
class NodeConnectorConformanceTest {

    static final Path SOURCE = Path.of("src/test/node");
    static final Path WORK = Path.of("target/node-conformance");

    @Test
    void nodeConnectorLogsInAndQueries() throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"),
                "node and npm are not installed; skipping the Node.js connector check");
        install();
        try (EmulatorFixture f = new EmulatorFixture()) {
            String pat = f.addCliPat("NODE");
            Map<String, String> env = new HashMap<>();
            env.put("EMULATOR_URL", f.emulator.url());
            env.put("ACCOUNT", f.emulator.accountName());
            env.put("ADMIN_USER", EmulatorFixture.ADMIN);
            env.put("ADMIN_PASSWORD", EmulatorFixture.ADMIN_PASSWORD);
            env.put("CLI_USER", "ANALYST_CLI");
            env.put("CLI_PAT", pat);
            String out = run(List.of("node", "conformance.js"), env, 120);
            Map<String, JsonNode> checks = new HashMap<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : out.split("\n")) {
                if (line.startsWith("{")) {
                    JsonNode n = json.readTree(line);
                    checks.put(n.path("check").asText(), n);
                }
            }
            assertEquals(7, checks.size(), out);
            assertOk(checks, "password-login-role", "ACCOUNTADMIN");
            assertOk(checks, "pat-authenticator-role", "ANALYST_CLI_ROLE/ANALYST_CLI");
            assertOk(checks, "pat-as-password-role", "ANALYST_CLI_ROLE");
            assertOk(checks, "show-pats", "NODE:ACTIVE:true");
            assertFailed(checks, "use-role-in-pat-session", "3001");
            assertFailed(checks, "bad-pat", "394400");
            assertFailed(checks, "syntax-error", "1003");
        }
    }

    static void assertOk(Map<String, JsonNode> checks, String name, String value) {
        JsonNode n = checks.get(name);
        assertTrue(n.path("ok").asBoolean(), () -> name + ": " + n);
        assertEquals(value, n.path("value").asText(), name);
    }

    static void assertFailed(Map<String, JsonNode> checks, String name, String code) {
        JsonNode n = checks.get(name);
        assertFalse(n.path("ok").asBoolean(), () -> name + " should fail: " + n);
        assertTrue(n.path("code").asText("").replaceFirst("^0+", "").equals(code), () -> name + ": " + n);
    }

    static void install() throws Exception {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", ".npmrc", "conformance.js")) {
            Files.copy(SOURCE.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/snowflake-sdk"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), Map.of(), 300);
        }
    }

    static String run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] bytes;
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
        }
        bytes = p.getInputStream().readAllBytes();
        String out = new String(bytes, StandardCharsets.UTF_8);
        if (p.exitValue() != 0)
            throw new AssertionError(command + " exited " + p.exitValue() + ":\n" + out);
        return out;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program)))
                return true;
        }
        return false;
    }
}
