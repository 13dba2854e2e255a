package dev.patrol.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

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
        for (String s : List.of("bash", "zsh"))
            if (onPath(s))
                shells.add(s);
        return shells.stream();
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program)))
                return true;
        }
        return false;
    }

    record Run(int exit, String out, String err) {
    }

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
        if (token != null)
            env.put("VAULT_TOKEN", token);
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
            if (!inMultiline && line.startsWith("["))
                inSection = line.equals("[analyst_cli]");
            boolean owned = !inMultiline && inSection
                    && (line.startsWith("# patrol:")
                            || line.matches("(account|user|password|role|warehouse|host|port|protocol) = \".*\""));
            if (line.split("\"\"\"", -1).length % 2 == 0)
                inMultiline = !inMultiline;
            if (!owned)
                b.append(line).append('\n');
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
        assertEquals(unowned(FIXTURE), unowned(after),
                "every other section, comment, blank line and their order stay as they were");
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
        devServices.vault().orElseThrow().putPolicy("patrol-reader-all",
                "path \"secret/data/snowflake-pats/*\" { capabilities = [\"read\"] }");
        String reader = devServices.vault().orElseThrow().createToken(List.of("patrol-reader-all"), Duration.ofHours(1),
                "reader");
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
            assertEquals(List.of("connections.toml"), left.map(p -> p.getFileName().toString()).toList(),
                    "failures leave no file behind");
        }
        Files.writeString(fakeToken, developer() + "\n");
        assertEquals(0, run(shell, env(null), "fetch", "analyst_cli").exit(),
                "~/.vault-token is read when VAULT_TOKEN is unset");
        assertTrue(oncall.length() > 0);
    }

    @ParameterizedTest
    @MethodSource("shells")
    void execRunsTheCommandAfterFetching(String shell) throws Exception {
        Run r = run(shell, env(developer()), "exec", "analyst_cli", "--", "sh", "-c",
                "grep -c '^password = ' \"$HOME/.snowflake/connections.toml\"");
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

        assertEquals(0,
                run(shell, env(developer()), "fetch", "analyst_cli", "--file", home.resolve("x/c.toml").toString()).exit());
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
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + log + "'; done\nexec '" + realCurl
                + "' \"$@\"\n");
        fake.toFile().setExecutable(true);
        Map<String, String> env = env(developer());
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        assertEquals(0, run(shell, env, "fetch", "analyst_cli").exit());
        String argv = Files.readString(log);
        assertTrue(argv.contains("/api/v1/connections/analyst_cli/token"), argv);
        assertFalse(argv.contains(developer()), "the Vault token is not an argument");
        assertFalse(argv.contains(secret()), "the secret is not an argument");
        try (Stream<Path> left = Files.list(connections().getParent())) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".patrol")),
                    "no temporary file is left behind");
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
        assertJdbcLogsIn(connections().getParent());
    }

    /** The real driver, in its own JVM, reads $SNOWFLAKE_HOME/connections.toml by itself and logs in. */
    static void assertJdbcLogsIn(Path snowflakeHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JdbcAutoMain.class.getName()).redirectErrorStream(true);
        pb.environment().put("SNOWFLAKE_HOME", snowflakeHome.toString());
        pb.environment().put("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "analyst_cli");
        pb.environment().put("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true");
        pb.environment().put("SNOWFLAKE_DISABLE_MINICORE", "true");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("ROLE=ANALYST_CLI_ROLE"), out);
    }

    static void assertParsesWithTomllib(Path file) throws Exception {
        if (!onPath("python3"))
            return;
        Process p = new ProcessBuilder("python3", "-c", "import sys,tomllib; d=tomllib.load(open(sys.argv[1],'rb')); "
                + "s=d['analyst_cli']; assert all(isinstance(v, str) for k, v in s.items() if k in "
                + "('account','user','password','role','host','port','protocol','warehouse')), s.keys(); print('ok')",
                file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("ok", out.trim(), out);
    }

    // ---------------------------------------------------------------- hostile neighbours, the wire, TOML, 304

    static final String TOML_CASES = """
            # hand-written
            [prod]
            account = "acme-prod"
            servers = [
              [ "a", "b" ],
            ["c"],
            ]

            [ "analyst_cli" ]   # quoted, spaced header: still this connection
            # operator's note
            warehouse = "OLD_WH"
            allowed = [
            [1, 2], # [analyst_cli]
            [3]
            ]
            script = '''
            [dev]
            password = 'x'
            '''
            authenticator = "PROGRAMMATIC_ACCESS_TOKEN"
            token_file_path = "/stale/analyst_cli.token"

            [ analyst_cli . "extra" ]
            password = "not ours"

            [[jobs]]
            name = "nightly"
            """;

    static String realCurl() {
        return Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "curl")).filter(Files::isExecutable)
                .findFirst().orElseThrow().toString();
    }

    /**
     * A curl in front of the real one on PATH: it records its arguments (argv.log) and environment
     * (curl-env.log), then runs the real curl, or, given a canned answer, prints that instead (no network).
     */
    Map<String, String> recordingCurl(Map<String, String> env, String canned) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path fake = bin.resolve("curl");
        String tail;
        if (canned == null) {
            tail = "exec '" + realCurl() + "' \"$@\"\n";
        } else {
            Path answer = home.resolve("canned-answer");
            Files.writeString(answer, canned);
            tail = "cat > /dev/null\ncat '" + answer + "'\n";
        }
        Files.writeString(fake,
                "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + home.resolve("argv.log") + "'; done\n"
                        + "env >> '" + home.resolve("curl-env.log") + "'\n" + tail);
        fake.toFile().setExecutable(true);
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        return env;
    }

    String argv() throws IOException {
        Path log = home.resolve("argv.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** What curl -D - -w '\n%{http_code}' prints for a 200 with this ETag and body. */
    static String answer(String etag, String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/toml\r\nETag: " + etag + "\r\nCache-Control: no-store\r\n\r\n"
                + body + "\n200";
    }

    record Snapshot(String sha, FileTime mtime) {
    }

    static Snapshot snapshot(Path p) throws Exception {
        return new Snapshot(sha(p), Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A private directory holding connections.toml (FIXTURE) with an old mtime, so any rewrite shows. */
    Path fixtureIn(String dir) throws Exception {
        Path d = Files.createDirectories(home.resolve(dir));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        Path f = d.resolve("connections.toml");
        Files.writeString(f, FIXTURE);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        return f;
    }

    void assertRefused(String shell, Map<String, String> env, Path file, String why, String... extra) throws Exception {
        Snapshot before = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? snapshot(file) : null;
        List<String> dirBefore = names(file.getParent());
        List<String> args = new ArrayList<>(List.of("fetch", "analyst_cli", "--file", file.toString()));
        args.addAll(List.of(extra));
        Run r = run(shell, env, args.toArray(String[]::new));
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(why), r.err());
        if (before != null)
            assertEquals(before, snapshot(file), "the file is untouched");
        assertEquals(dirBefore, names(file.getParent()), "nothing created beside it");
        assertEquals("", argv(), "refused before any request");
    }

    @ParameterizedTest
    @MethodSource("shells")
    void targetsSomeoneElseCouldTamperWithAreRefusedAndLeftUntouched(String shell) throws Exception {
        Map<String, String> env = recordingCurl(env(developer()), null);

        Path open = fixtureIn("open");
        Files.setPosixFilePermissions(open.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(shell, env, open, "group or others can write");

        Path groupFile = fixtureIn("groupfile");
        Files.setPosixFilePermissions(groupFile, PosixFilePermissions.fromString("rw-rw----"));
        assertRefused(shell, env, groupFile, "group or others can write");

        // A FIFO where the file should be: refused without being opened (opening it would block).
        Path fifoDir = Files.createDirectories(home.resolve("fifo"));
        Files.setPosixFilePermissions(fifoDir, PosixFilePermissions.fromString("rwx------"));
        Path fifo = fifoDir.resolve("connections.toml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertRefused(shell, env, fifo, "not a regular file");
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther(), "still the FIFO");

        // A link is followed only to a target that passes the same checks.
        Path linkDir = Files.createDirectories(home.resolve("link"));
        Files.setPosixFilePermissions(linkDir, PosixFilePermissions.fromString("rwx------"));
        Path link = linkDir.resolve("connections.toml");
        Files.createSymbolicLink(link, Path.of("../open/connections.toml"));
        Snapshot target = snapshot(open);
        assertRefused(shell, env, link, "group or others can write");
        assertEquals(target, snapshot(open), "the link's target is untouched");

        // --token-file is held to the same rules.
        Path own = fixtureIn("own");
        assertRefused(shell, env, own, "group or others can write", "--token-file", open.getParent().resolve("t").toString());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void aDirectoryOrFileOwnedBySomeoneElseIsRefused(String shell) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to give files to nobody");
        var nobody = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Map<String, String> env = recordingCurl(env(developer()), null);

        // What the README's /tmp/patrol-demo would be if a co-tenant had made it first.
        Path foreign = fixtureIn("foreign");
        Files.setOwner(foreign.getParent(), nobody);
        assertRefused(shell, env, foreign, "not owned by you");
        Map<String, String> demo = new HashMap<>(env);
        demo.put("SNOWFLAKE_HOME", foreign.getParent().toString());
        Run r = run(shell, demo, "fetch", "analyst_cli");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("not owned by you"), r.err());

        Path theirs = fixtureIn("theirs");
        Files.setOwner(theirs, nobody);
        assertRefused(shell, env, theirs, "not owned by you");

        Path linkDir = Files.createDirectories(home.resolve("mine"));
        Files.setPosixFilePermissions(linkDir, PosixFilePermissions.fromString("rwx------"));
        Path link = linkDir.resolve("connections.toml");
        Files.createSymbolicLink(link, theirs);
        Snapshot before = snapshot(theirs);
        assertRefused(shell, env, link, "not owned by you");
        assertEquals(before, snapshot(theirs));
        assertEquals(List.of(), names(foreign.getParent()).stream().filter(n -> n.startsWith(".patrol")).toList());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void theVaultTokenIsInNoFileAtAnyMomentAndTheSecretOnlyWhereItBelongs(String shell) throws Exception {
        Map<String, String> env = recordingCurl(env(developer()), null);
        String token = developer();
        Path tokenFile = home.resolve(".snowflake/analyst_cli.token");
        Set<String> tokenSeenIn = ConcurrentHashMap.newKeySet();
        Set<String> secretSeenIn = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger scans = new AtomicInteger();
        String secret = secret();
        // Reads every regular file under HOME, over and over, while the helper runs.
        Thread watcher = new Thread(() -> {
            while (!stop.get()) {
                try (Stream<Path> all = Files.walk(home)) {
                    all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                        try {
                            String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                            if (text.contains(token))
                                tokenSeenIn.add(p.toString());
                            if (text.contains(secret))
                                secretSeenIn.add(home.relativize(p).toString());
                        } catch (IOException gone) {
                            // renamed or removed between listing and reading
                        }
                    });
                } catch (IOException | java.io.UncheckedIOException gone) {
                    // a directory vanished during the walk
                }
                scans.incrementAndGet();
            }
        });
        watcher.start();
        try {
            Files.createDirectories(connections().getParent());
            Files.writeString(connections(), FIXTURE);
            assertEquals(0, run(shell, env, "fetch", "analyst_cli").exit());
            assertEquals(0, run(shell, env, "fetch", "analyst_cli").exit());
            assertEquals(0, run(shell, env, "fetch", "analyst_cli", "--token-file", tokenFile.toString()).exit());
            assertEquals(0, run(shell, env, "exec", "analyst_cli", "--", "true").exit());
            assertEquals(0, run(shell, env, "status").exit());
            Map<String, String> wrong = recordingCurl(env(null), null);
            Files.writeString(home.resolve(".vault-token"), "hvs.not-this-one\n");
            assertEquals(3, run(shell, wrong, "fetch", "analyst_cli").exit());
        } finally {
            stop.set(true);
            watcher.join();
        }
        assertTrue(scans.get() > 1, "the watcher ran");
        assertEquals(Set.of(), tokenSeenIn, "no file ever held the Vault token");
        for (String f : secretSeenIn) {
            assertTrue(f.equals(".snowflake/connections.toml") || f.equals(".snowflake/analyst_cli.token")
                    || f.matches("\\.snowflake/\\.patrol\\.[^/]+/(new|token)"), "the secret appeared in " + f);
        }
        String argv = argv();
        assertTrue(argv.startsWith("-q\n"), "curl ignores ~/.curlrc: " + argv);
        assertTrue(argv.contains("--proto\n=http,https\n") && argv.contains("--max-filesize\n") && argv.contains("-H\n@-\n"),
                argv);
        assertFalse(argv.contains(token) || argv.contains(secret), "neither is an argument");
        String curlEnv = Files.readString(home.resolve("curl-env.log"));
        assertFalse(curlEnv.contains("VAULT_TOKEN") || curlEnv.contains(token), "curl's environment has no Vault token");
        assertEquals(List.of("analyst_cli.token", "connections.toml"), names(connections().getParent()),
                "no temporary file is left");
    }

    @ParameterizedTest
    @MethodSource("shells")
    void execRunsTheCommandWithoutTheVaultToken(String shell) throws Exception {
        Run r = run(shell, env(developer()), "exec", "analyst_cli", "--", "env");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("HOME="), r.out());
        assertFalse(r.out().contains("VAULT_TOKEN") || r.out().contains(developer()), "the child gets no Vault token");
        Files.writeString(home.resolve(".vault-token"), developer() + "\n");
        Run fromFile = run(shell, env(null), "exec", "analyst_cli", "--", "env");
        assertEquals(0, fromFile.exit(), fromFile.err());
        assertFalse(fromFile.out().contains(developer()));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void plainHttpOnlyToThisMachineUnlessTheCallerOptsIn(String shell) throws Exception {
        String canned = answer("\"1-T-toml\"",
                "[analyst_cli]\n# patrol: token T, expires never\nuser = \"U\"\npassword = \"p\"\n");
        for (String server : List.of("http://patrol.example.com", "http://127.0.0.1.example.com:8080", "http://128.0.0.1:8080",
                "http://[::2]:8080", "http://localhost.example.com", "http://10.0.0.1", "ftp://127.0.0.1",
                "http://u:p@127.0.0.1")) {
            Map<String, String> env = recordingCurl(env(developer()), canned);
            env.put("PATROL_SERVER", server);
            Run r = run(shell, env, "fetch", "analyst_cli");
            assertTrue(r.exit() == 1 || r.exit() == 2, server + ": " + r.err());
            assertEquals("", argv(), server + " is never contacted");
            assertFalse(Files.exists(connections()));
        }
        for (String server : List.of("http://127.0.0.1:1", "http://127.8.9.10", "http://localhost:8080", "http://LOCALHOST",
                "http://[::1]:8080/")) {
            Files.deleteIfExists(home.resolve("argv.log"));
            Map<String, String> env = recordingCurl(env(developer()), canned);
            env.put("PATROL_SERVER", server);
            Run r = run(shell, env, "fetch", "analyst_cli");
            assertEquals(0, r.exit(), server + ": " + r.err());
            assertEquals("", r.err());
            assertTrue(argv().contains("--proto\n=http,https\n") && argv().contains("--noproxy\n*\n"),
                    "loopback, never via a proxy: " + argv());
        }
        for (String[] https : List.of(new String[] { "https://patrol.example.com", "https://patrol.example.com/api" },
                new String[] { "patrol.example.com:8443", "https://patrol.example.com:8443/api" })) {
            Files.deleteIfExists(home.resolve("argv.log"));
            Map<String, String> env = recordingCurl(env(developer()), canned);
            env.put("PATROL_SERVER", https[0]);
            assertEquals(0, run(shell, env, "fetch", "analyst_cli").exit());
            assertTrue(argv().contains("--proto\n=https\n") && argv().contains(https[1]) && !argv().contains("--noproxy"),
                    argv());
        }
        Files.deleteIfExists(home.resolve("argv.log"));
        Map<String, String> optIn = recordingCurl(env(developer()), canned);
        optIn.put("PATROL_SERVER", "http://patrol.example.com");
        Run flag = run(shell, optIn, "fetch", "analyst_cli", "--insecure-http");
        assertEquals(0, flag.exit(), flag.err());
        assertTrue(flag.err().contains("in clear"), "a warning each time: " + flag.err());
        assertTrue(argv().contains("http://patrol.example.com/api"));
        optIn.put("PATROL_ALLOW_INSECURE_HTTP", "1");
        assertEquals(0, run(shell, optIn, "fetch", "analyst_cli").exit());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void tomlHeadersOnlyOutsideStringsAndArraysAndModeSwitchesDropTheOtherModesKeys(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), TOML_CASES);
        Run r = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = tomllib(connections());
        JsonNode s = doc.path("analyst_cli");
        assertEquals(secret(), s.path("password").asText());
        assertEquals("ANALYST_WH", s.path("warehouse").asText());
        assertFalse(s.has("authenticator") || s.has("token_file_path"), "password mode keeps no token-file keys: " + s);
        assertEquals("[[1,2],[3]]", s.path("allowed").toString(), "an array whose lines start with [ is a value, not headers");
        assertEquals("[dev]\npassword = 'x'\n", s.path("script").asText());
        assertEquals("not ours", s.path("extra").path("password").asText(), "a sub-table is another table");
        assertEquals("[[\"a\",\"b\"],[\"c\"]]", doc.path("prod").path("servers").toString());
        assertEquals("nightly", doc.path("jobs").get(0).path("name").asText());
        String written = Files.readString(connections());
        assertEquals(1, written.lines().filter(l -> l.startsWith("# patrol:")).count(), written);
        assertTrue(written.startsWith(TOML_CASES.substring(0, TOML_CASES.indexOf("[ \"analyst_cli\" ]"))),
                "what precedes is kept");
        assertTrue(written.endsWith(TOML_CASES.substring(TOML_CASES.indexOf("[ analyst_cli . \"extra\" ]"))),
                "what follows is kept");
        assertJdbcLogsIn(connections().getParent());

        Path tokenFile = home.resolve(".snowflake/analyst_cli.token");
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli", "--token-file", tokenFile.toString()).exit());
        s = tomllib(connections()).path("analyst_cli");
        assertFalse(s.has("password"), s.toString());
        assertEquals("PROGRAMMATIC_ACCESS_TOKEN", s.path("authenticator").asText());
        assertEquals(tokenFile.toString(), s.path("token_file_path").asText());
        assertEquals(secret(), Files.readString(tokenFile));

        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit(), "and back");
        s = tomllib(connections()).path("analyst_cli");
        assertEquals(secret(), s.path("password").asText());
        assertFalse(s.has("authenticator") || s.has("token_file_path"), s.toString());
        assertJdbcLogsIn(connections().getParent());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void theTokenFileHoldsExactlyTheSecretBytes(String shell) throws Exception {
        String escaped = "pat\\\"with\\\\escapes\\u00e9\\t\\u0001end";
        byte[] raw = "pat\"with\\escapes\u00e9\t\u0001end".getBytes(StandardCharsets.UTF_8);
        Map<String, String> env = recordingCurl(env(developer()), answer("\"2-T-toml\"",
                "[analyst_cli]\n# patrol: token T, expires never\nuser = \"U\"\npassword = \"" + escaped
                        + "\"\nrole = \"R\"\n"));
        Path tokenFile = home.resolve(".snowflake/analyst_cli.token");
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), "[analyst_cli]\npassword = \"stale\"\n");
        Run r = run(shell, env, "fetch", "analyst_cli", "--token-file", tokenFile.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(HexFormat.of().formatHex(raw), HexFormat.of().formatHex(Files.readAllBytes(tokenFile)),
                "TOML escapes resolved, nothing added");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));

        // A malformed answer changes nothing.
        Snapshot before = snapshot(connections());
        Snapshot tokenBefore = snapshot(tokenFile);
        Map<String, String> bad = recordingCurl(env(developer()),
                answer("\"3-T-toml\"", "[analyst_cli]\npassword = \"x\"\n[other]\n"));
        assertEquals(1, run(shell, bad, "fetch", "analyst_cli", "--token-file", tokenFile.toString()).exit());
        assertEquals(before, snapshot(connections()));
        assertEquals(tokenBefore, snapshot(tokenFile));
        assertEquals(List.of("analyst_cli.token", "connections.toml"), names(connections().getParent()));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void anUnchangedSecretRewritesNothing(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), FIXTURE);
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        String managed = Files.readString(connections()).lines().filter(l -> l.startsWith("# patrol:")).findFirst()
                .orElseThrow();
        assertTrue(managed.matches("# patrol: .*; etag \"[A-Za-z0-9_.-]+\""), managed);
        Files.setLastModifiedTime(connections(), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        Snapshot before = snapshot(connections());
        Run again = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, again.exit(), again.err());
        assertEquals("", again.err());
        assertEquals(before, snapshot(connections()), "byte-for-byte and mtime unchanged");
        assertEquals(0, run(shell, env(developer()), "exec", "analyst_cli", "--", "true").exit());
        assertEquals(before, snapshot(connections()), "the usual exec before cortex writes nothing either");
        assertEquals(List.of("connections.toml"), names(connections().getParent()));

        String old = secret();
        HttpResponse<String> rotated = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(base + "api/v1/connections/analyst_cli/rotate"))
                        .header("Authorization", "Bearer " + devServices.vaultTokens().orElseThrow().oncall())
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, rotated.statusCode(), rotated.body());
        assertNotEquals(old, secret());
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        assertNotEquals(before, snapshot(connections()));
        assertTrue(Files.readString(connections()).contains("password = \"" + secret() + "\"\n"),
                "a changed secret is written");
        assertEquals(unowned(FIXTURE), unowned(Files.readString(connections())));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void helperVariableNamesInTheCallersEnvironmentCarryNoSecretOut(String shell) throws Exception {
        Map<String, String> env = recordingCurl(env(developer()), null);
        for (String name : List.of("token", "CALLER_TOKEN", "RESP", "line"))
            env.put(name, "from-the-caller");
        Run r = run(shell, env, "exec", "analyst_cli", "--", "env");
        assertEquals(0, r.exit(), r.err());
        String curlEnv = Files.readString(home.resolve("curl-env.log"));
        assertFalse(curlEnv.contains(developer()), "curl inherits no exported copy of the Vault token");
        assertFalse(r.out().contains(developer()) || r.out().contains(secret()),
                "exec's command inherits neither the Vault token nor the answer: " + r.out());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void anAnswerThatWouldMakeTheFileInvalidTomlIsRefused(String shell) throws Exception {
        Path f = fixtureIn(".snowflake");
        for (String body : List.of("[analyst_cli]\npassword = \"a\u0001b\"\n", "[analyst_cli]\npassword = \"a\\qb\"\n",
                "[analyst_cli]\npassword = \"a\\u00zzb\"\n", "[analyst_cli]\n# patrol: t\u001b[2Jx\npassword = \"p\"\n",
                "[analyst_cli]\n# patrol: t\u007f\npassword = \"p\"\n")) {
            Snapshot before = snapshot(f);
            Run r = run(shell, recordingCurl(env(developer()), answer("\"4-T-toml\"", body)), "fetch", "analyst_cli");
            assertEquals(1, r.exit(), body + ": " + r.err());
            assertEquals(before, snapshot(f), body);
        }
        Run ok = run(shell, recordingCurl(env(developer()), answer("\"5-T-toml\"",
                "[analyst_cli]\n# patrol: token\tT\npassword = \"p\\u00e9\\\"\\\\q\"\n")), "fetch", "analyst_cli");
        assertEquals(0, ok.exit(), ok.err());
        assertEquals("p\u00e9\"\\q", tomllib(f).path("analyst_cli").path("password").asText());
    }

    @ParameterizedTest
    @MethodSource("shells")
    void aByteOrderMarkDoesNotHideTheFirstSection(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        Files.writeString(connections(), "\ufeff[analyst_cli]\r\nwarehouse = \"OLD_WH\"\r\n");
        Run r = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, r.exit(), r.err());
        String after = Files.readString(connections());
        assertEquals(1, after.lines().filter(l -> l.contains("[analyst_cli]")).count(), "no second [analyst_cli]: " + after);
        assertFalse(after.contains("OLD_WH"), after);
        assertTrue(after.startsWith("\ufeff[analyst_cli]"), after);
    }

    @ParameterizedTest
    @MethodSource("shells")
    void aHandDeletedSecretIsWrittenAgainDespiteTheStoredEtag(String shell) throws Exception {
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit());
        String full = Files.readString(connections());
        assertTrue(full.contains("# patrol:") && full.contains("etag"), full);
        Files.writeString(connections(), full.replaceAll("(?m)^password = .*\n", ""));
        Run r = run(shell, env(developer()), "fetch", "analyst_cli");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readString(connections()).contains("password = \"" + secret() + "\"\n"),
                "not answered 304 and left without a password: " + Files.readString(connections()));

        Path tokenFile = home.resolve(".snowflake/analyst_cli.token");
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli", "--token-file", tokenFile.toString()).exit());
        Files.writeString(connections(), Files.readString(connections()).replaceAll("(?m)^token_file_path = .*\n", ""));
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli", "--token-file", tokenFile.toString()).exit());
        assertTrue(Files.readString(connections()).contains("token_file_path = \"" + tokenFile + "\"\n"),
                Files.readString(connections()));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void theTokenFileCannotBeTheConnectionsFileItself(String shell) throws Exception {
        Path f = fixtureIn(".snowflake");
        Files.createSymbolicLink(f.resolveSibling("alias.toml"), Path.of("connections.toml"));
        for (String tokenFile : List.of(f.toString(), f.resolveSibling("alias.toml").toString())) {
            Snapshot before = snapshot(f);
            Run r = run(shell, recordingCurl(env(developer()), null), "fetch", "analyst_cli", "--token-file", tokenFile);
            assertEquals(2, r.exit(), tokenFile + ": " + r.err());
            assertTrue(r.err().contains("must not be the connections file"), r.err());
            assertEquals(before, snapshot(f), "the secret is not lost in a file pointing at itself");
        }
        Run rel = run(shell, env(developer()), "fetch", "analyst_cli", "--file", "new.toml", "--token-file", "new.toml");
        assertEquals(2, rel.exit(), rel.err());
        assertFalse(Files.exists(home.resolve("new.toml")));
    }

    @ParameterizedTest
    @MethodSource("shells")
    void aConnectionAlreadyDefinedOtherwiseIsNotAppendedAsASecondTable(String shell) throws Exception {
        Files.createDirectories(connections().getParent());
        for (String toml : List.of("analyst_cli.user = \"u\"\n\n[prod]\na = 1\n", "analyst_cli = { user = \"u\" }\n",
                "[[analyst_cli]]\nuser = \"u\"\n")) {
            Files.writeString(connections(), toml);
            Run r = run(shell, env(developer()), "fetch", "analyst_cli");
            assertEquals(1, r.exit(), toml + r.err());
            assertTrue(r.err().contains("already defines analyst_cli"), r.err());
            assertEquals(toml, Files.readString(connections()), "a valid file is not made invalid");
        }
        String scoped = "[prod]\nanalyst_cli.user = \"u\"\n";
        Files.writeString(connections(), scoped);
        assertEquals(0, run(shell, env(developer()), "fetch", "analyst_cli").exit(),
                "a dotted key inside another table is no clash");
        assertEquals(secret(), tomllib(connections()).path("analyst_cli").path("password").asText());
    }

    static JsonNode tomllib(Path file) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sys,json,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],'rb')), default=str))",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return new ObjectMapper().readTree(out);
    }
}
