package dev.patrol.helper;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shell helper {@code deploy/bin/patrol} (design §7) against a running patrol, under sh (dash) and bash. */
@QuarkusTest
class HelperTest {

    static final Path SCRIPT = Path.of("deploy/bin/patrol").toAbsolutePath();
    static final String FIXTURE = """
            # Snowflake connections, hand-written; patrol must keep every byte of what it does not own.
            default_connection_name = "prod"

            [prod]
            account = "acme-prod"   # inline comment
            "quoted key" = 'literal \\ string'
            password = "someone else's"

            [analyst_cli]
            # operator's note about this connection
            client_session_keep_alive = true
            warehouse = "OLD_WH"
            notes = \"\"\"
            [not_a_section]
            password = "not a key either"
            \"\"\"

            [analyst_cli.extra]
            x = 1

            [[pipelines]]
            name = "nightly"

            [dev]
            account = "acme-dev"
            """;

    @TestHTTPResource("/")
    URL base;
    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    @TempDir
    Path home;

    static Stream<String> shells() {
        List<String> shells = new ArrayList<>(List.of("sh"));
        for (String s : List.of("bash", "zsh")) if (onPath(s)) shells.add(s);
        return shells.stream();
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void mint() {
        engine.sweep();
    }

    String developer() {
        return devServices.vaultTokens().orElseThrow().developer();
    }

    Map<String, String> env(String token) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("PATROL_SERVER", base.toString());
        env.put("PATROL_CORTEX_MANAGED_SETTINGS", home.resolve("no-managed-settings.json").toString());
        if (token != null) env.put("VAULT_TOKEN", token);
        return env;
    }

    Run run(String shell, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(shell, SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().remove("SNOWFLAKE_HOME");
        pb.environment().remove("VAULT_TOKEN");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(home, "out", ".txt"), err = Files.createTempFile(home, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the helper finished");
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    Path connections() {
        return home.resolve(".snowflake/connections.toml");
    }

    String secret() {
        return store.current("analyst_cli").orElseThrow().value().token();
    }

    static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /** The file without the lines patrol owns: what must stay byte-for-byte. */
    static String unowned(String toml) {
        StringBuilder b = new StringBuilder();
        boolean inSection = false, inMultiline = false;
        for (String line : toml.split("\n", -1)) {
            if (!inMultiline && line.startsWith("[")) inSection = line.equals("[analyst_cli]");
            boolean owned = !inMultiline && inSection
                    && (line.startsWith("# patrol:") || line.matches("(account|user|password|role|warehouse|host|port|protocol) = \".*\""));
            if (line.split("\"\"\"", -1).length % 2 == 0) inMultiline = !inMultiline;
            if (!owned) b.append(line).append('\n');
        }
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("shells")
    void fetchWritesAPrivateFileAndKeepsEverythingElse(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), FIXTURE);
        Run r = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        String after = Files.readString(connections());
        assertTrue(after.contains("password = \"" + secret() + "\"\n"));
        assertTrue(after.contains("warehouse = \"ANALYST_WH\"\n") && !after.contains("OLD_WH"), "sent keys are replaced");
        assertTrue(after.contains("client_session_keep_alive = true\n"), "the operator's own keys stay");
        assertEquals(unowned(FIXTURE), unowned(after), "every other section, comment, blank line and their order stay as they were");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(connections())));
        // idempotent: the same secret gives the same bytes
        String sum = sha(connections());
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        assertEquals(sum, sha(connections()));
        assertParsesWithTomllib(connections());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void createsTheDirectoryAndFileWithTheirModes(String shell) throws Exception {
        Run r = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, r.exit(), r.err());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(connections().getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(connections())));
        assertTrue(Files.readString(connections()).startsWith("[analyst_cli]\n"));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void failuresExitWithTheirCodeAndLeaveTheFileUntouched(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), FIXTURE);
        String sum = sha(connections());
        Path fakeToken = home.resolve(".vault-token");
        assertEquals(3, run(shell, env(null), "fetch", "analyst_cli").exit(), "no token");
        assertEquals(3, run(shell, env("hvs.unknown"), "fetch", "analyst_cli").exit(), "invalid token");
        String nobody = devServices.vault().orElseThrow().createToken(List.of(), Duration.ofHours(1), "nobody");
        Run denied = run(shell, env(nobody), "fetch", "analyst_cli");
        assertEquals(3, denied.exit());
        assertEquals(1, denied.err().lines().count(), "one clear line: " + denied.err());
        String oncall = devServices.vaultTokens().orElseThrow().oncall();
        devServices.vault().orElseThrow().putPolicy("patrol-reader-all", "path \"secret/data/snowflake-pats/*\" { capabilities = [\"read\"] }");
        String reader = devServices.vault().orElseThrow().createToken(List.of("patrol-reader-all"), Duration.ofHours(1), "reader");
        assertEquals(4, run(shell, env(reader), "fetch", "ghost").exit(), "unknown connection");
        Map<String, String> unreachable = env(developer());
        unreachable.put("PATROL_SERVER", "http://127.0.0.1:1");
        assertEquals(5, run(shell, unreachable, "fetch", "analyst_cli").exit());
        assertEquals(2, run(shell, env(developer()), "fetch").exit());
        assertEquals(2, run(shell, env(developer()), "fetch", "Bad Name").exit());
        assertEquals(2, run(shell, env(developer()), "launch", "analyst_cli").exit());
        assertEquals(2, run(shell, env(developer()), "exec", "analyst_cli").exit());
        assertEquals(0, run(shell, env(developer()), "--help").exit());
        assertEquals(sum, sha(connections()), "the file is untouched by every failure");
        try (Stream<Path> left = Files.list(connections().getParent())) {
            assertEquals(List.of("connections.toml"), left.map(p -> p.getFileName().toString()).toList(), "failures leave no file behind");
        }
        Files.writeString(fakeToken, developer() + "\n");
        assertEquals(0, run(shell, env(null), "fetch", "analyst_cli").exit(), "~/.vault-token is read when VAULT_TOKEN is unset");
        assertTrue(oncall.length() > 0);
    }

    @ParameterizedTest
    @MethodSource("shells")
    void execRunsTheCommandAfterFetching(String shell) throws Exception {
        Run r = run(shell, env(developer()), "exec", "analyst_cli", "--", "sh", "-c", "grep -c '^password = ' \"$HOME/.snowflake/connections.toml\"");
        assertEquals(0, r.exit(), r.err());
        assertEquals("1", r.out().trim());
        Run status = run(shell, env(developer()), "status", "analyst_cli");
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("PATROL_ANALYST_CLI") && status.out().contains("ANALYST_CLI_ROLE"), status.out());
        assertFalse(status.out().contains(secret()));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void symlinksManagedSettingsSnowflakeHomeAndFileOption(String shell) throws Exception {
        Path real = home.resolve("dotfiles/connections.toml");
        Files.createDirectories(real.getParent());
        Files.writeString(real, "[other]\naccount = \"x\"\n");
        Files.createDirectories(connections().getParent());
        Files.createSymbolicLink(connections(), Path.of("../dotfiles/connections.toml"));
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        assertTrue(Files.isSymbolicLink(connections()), "the link stays a link");
        assertTrue(Files.readString(real).contains("[analyst_cli]"), "its target is updated");

        Path pinned = home.resolve("pinned/conn.toml");
        Files.createDirectories(pinned.getParent());
        Path settings = home.resolve("managed-settings.json");
        Files.writeString(settings, "{\"version\": \"1.0\",\n \"files\": {\"connectionsFile\": \"" + pinned + "\"}}");
        Map<String, String> managed = env(developer());
        managed.put("PATROL_CORTEX_MANAGED_SETTINGS", settings.toString());
        assertEquals(0, run(shell, managed, "fetch", "analyst_cli").exit());
        assertTrue(Files.readString(pinned).contains("[analyst_cli]"), "Cortex's pinned connections file is the one written");

        Map<String, String> sfHome = env(developer());
        sfHome.put("SNOWFLAKE_HOME", home.resolve("sfhome").toString());
        assertEquals(0, run(shell, sfHome, "fetch", "analyst_cli").exit());
        assertTrue(Files.exists(home.resolve("sfhome/connections.toml")));

        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli", "--file", home.resolve("x/c.toml").toString()).exit());
        assertTrue(Files.exists(home.resolve("x/c.toml")));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void tokenFileMode(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), "[analyst_cli]\npassword = \"stale\"\n");
        Path tokenFile = home.resolve(".snowflake/analyst_cli.token");
        Run r = run(shell, env(developer()), "fetch", "analyst_cli", "--token-file", tokenFile.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(secret(), Files.readString(tokenFile), "the secret alone, no trailing newline");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        String toml = Files.readString(connections());
        assertFalse(toml.contains("password"), toml);
        assertTrue(toml.contains("authenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\n"));
        assertTrue(toml.contains("token_file_path = \"" + tokenFile + "\"\n"));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void neitherTheSecretNorTheVaultTokenIsEverOnACommandLine(String shell) throws Exception {
        // A curl in front of the real one records every argument it is given.
        Path bin = home.resolve("bin");
        Files.createDirectories(bin);
        Path log = home.resolve("argv.log");
        String realCurl = Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "curl")).filter(Files::isExecutable)
                .findFirst().orElseThrow().toString();
        Path fake = bin.resolve("curl");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + log + "'; done\nexec '" + realCurl + "' \"$@\"\n");
        fake.toFile().setExecutable(true);
        Map<String, String> env = env(developer());
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        assertEquals(0, run(shell, env, "fetch", "analyst_cli").exit());
        String argv = Files.readString(log);
        assertTrue(argv.contains("/api/v1/connections/analyst_cli/token"), argv);
        assertFalse(argv.contains(developer()), "the Vault token is not an argument");
        assertFalse(argv.contains(secret()), "the secret is not an argument");
        try (Stream<Path> left = Files.list(connections().getParent())) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".patrol")), "no temporary file is left behind");
        }
    }

    @ParameterizedTest
    @MethodSource("shells")
    void concurrentRunsNeverLeaveABrokenFile(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), FIXTURE);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ProcessBuilder pb = new ProcessBuilder(shell, SCRIPT.toString(), "fetch", "analyst_cli").directory(home.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env(developer()));
            ps.add(pb.start());
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
        String after = Files.readString(connections());
        assertEquals(1, after.lines().filter(l -> l.equals("[analyst_cli]")).count());
        assertEquals(unowned(FIXTURE), unowned(after));
        assertParsesWithTomllib(connections());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void theRealJdbcDriverLogsInFromTheWrittenFile(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), FIXTURE);
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JdbcAutoMain.class.getName()).redirectErrorStream(true);
        pb.environment().put("SNOWFLAKE_HOME", connections().getParent().toString());
        pb.environment().put("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "analyst_cli");
        pb.environment().put("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true");
        pb.environment().put("SNOWFLAKE_DISABLE_MINICORE", "true");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("ROLE=ANALYST_CLI_ROLE"), out);
    }

    static void assertParsesWithTomllib(Path file) throws Exception {
        if (!onPath("python3")) return;
        Process p = new ProcessBuilder("python3", "-c", "import sys,tomllib; d=tomllib.load(open(sys.argv[1],'rb')); "
                + "s=d['analyst_cli']; assert all(isinstance(v, str) for k, v in s.items() if k in "
                + "('account','user','password','role','host','port','protocol','warehouse')), s.keys(); print('ok')", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("ok", out.trim(), out);
    }
}
