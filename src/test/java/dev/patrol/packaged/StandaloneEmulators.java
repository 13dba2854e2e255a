package dev.patrol.packaged;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/patrol-emulators.jar} as its own process, as scripts outside the project
 * run it: its addresses and dev tokens are read from what it prints.
 */
public final class StandaloneEmulators implements AutoCloseable {

    public static final Path JAR = Path.of("target", "patrol-emulators.jar");
    private static final Pattern READY = Pattern.compile("^patrol emulators ready: snowflake (\\S+) vault (\\S+)$");
    private static final Pattern TOKEN = Pattern.compile("^\\s+Vault dev token for (\\w+): (\\S+)$");

    private final Process process;
    private final String snowflakeUrl;
    private final String vaultAddress;
    private final Map<String, String> tokens;
    private final Path rotatorKey;

    private StandaloneEmulators(Process process, String snowflakeUrl, String vaultAddress, Map<String, String> tokens,
            Path rotatorKey) {
        this.process = process;
        this.snowflakeUrl = snowflakeUrl;
        this.vaultAddress = vaultAddress;
        this.tokens = tokens;
        this.rotatorKey = rotatorKey;
    }

    /** Starts the emulators on free ports, the rotator's key written into {@code dir}; waits for their ready line. */
    public static StandaloneEmulators start(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.resolve("rotator.p8").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(PatrolProcess.java(), "-jar", JAR.toAbsolutePath().toString())
                .redirectErrorStream(true);
        pb.environment().put("PATROL_DEVSERVICES_SNOWFLAKE_ROTATOR_KEY_FILE", key.toString());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Map<String, String> tokens = new LinkedHashMap<>();
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null;) {
            seen.append(line).append('\n');
            Matcher t = TOKEN.matcher(line);
            if (t.matches())
                tokens.put(t.group(1), t.group(2));
            Matcher r = READY.matcher(line);
            if (r.matches()) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> {
                }), "emulators-output");
                drain.setDaemon(true);
                drain.start();
                return new StandaloneEmulators(p, r.group(1), r.group(2), tokens, key);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("the emulators stopped before they were ready:\n" + seen);
    }

    public String snowflakeUrl() {
        return snowflakeUrl;
    }

    public String vaultAddress() {
        return vaultAddress;
    }

    /** A dev token by audience: patrol, developer, oncall, breakglass. */
    public String token(String audience) {
        return tokens.get(audience);
    }

    /** The settings a production patrol needs to run against these emulators, as environment variables. */
    public Map<String, String> patrolEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATROL_SNOWFLAKE_ACCOUNT", "PATROLDEV");
        env.put("PATROL_SNOWFLAKE_URL", snowflakeUrl);
        env.put("PATROL_SNOWFLAKE_USER", "PATROL_ROTATOR");
        env.put("PATROL_SNOWFLAKE_ROLE", "PATROL_ROTATOR_ROLE");
        env.put("PATROL_SNOWFLAKE_PRIVATE_KEY_FILE", rotatorKey.toString());
        env.put("PATROL_VAULT_ADDRESS", vaultAddress);
        env.put("PATROL_VAULT_TOKEN", token("patrol"));
        return env;
    }

    /**
     * The seeded connection, as system properties: a connection name with {@code _} cannot be told
     * apart from {@code -} or {@code .} in an environment variable's name.
     */
    public static Map<String, String> seededConnection() {
        return Map.of("patrol.connections.analyst_cli.user", "ANALYST_CLI", "patrol.connections.analyst_cli.role",
                "ANALYST_CLI_ROLE",
                "patrol.connections.analyst_cli.warehouse", "ANALYST_WH");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS))
                process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

}
