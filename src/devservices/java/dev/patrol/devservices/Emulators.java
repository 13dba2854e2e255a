package dev.patrol.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.patrol.devservices.snowflake.RsaKeys;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import dev.patrol.devservices.vault.VaultEmulator;
import dev.patrol.devservices.vault.VaultSeed;

/**
 * Both emulators, started on loopback and seeded as the operator's own scripts would leave a real
 * account and Vault: the one way to get them, whether patrol embeds them (dev and test) or
 * {@code patrol-emulators.jar} runs them on their own.
 */
public final class Emulators implements AutoCloseable {

    /** Emulators listen on loopback only: they hold no real secret, and nothing but this machine should reach them. */
    public static final String LOOPBACK = "127.0.0.1";

    /** The {@code patrol.devservices.*} settings. An absent root token means a random one per start. */
    public record Settings(int snowflakePort, String account, int secondSnowflakePort, String secondAccount, String adminUser,
            String adminPassword, Optional<Path> rotatorKeyFile, int vaultPort, Optional<String> rootToken) {
    }

    private final AdjustableClock clock;
    private final SnowflakeEmulator snowflake;
    private final SnowflakeEmulator secondSnowflake;
    private final VaultEmulator vault;
    private final VaultSeed.Tokens vaultTokens;
    private final KeyPair rotatorKey;

    private Emulators(Settings s, AdjustableClock clock) {
        this.clock = clock;
        this.rotatorKey = RsaKeys.generate();
        List<AutoCloseable> started = new ArrayList<>();
        try {
            snowflake = SnowflakeEmulator.start(s.account(), LOOPBACK, s.snowflakePort(), clock);
            started.add(snowflake);
            SnowflakeSeed.apply(snowflake, s.adminUser(), s.adminPassword(), RsaKeys.publicKeyValue(rotatorKey));
            // A second account, seeded the same way (its own users and tokens; the same rotator key, for simplicity).
            secondSnowflake = SnowflakeEmulator.start(s.secondAccount(), LOOPBACK, s.secondSnowflakePort(), clock);
            started.add(secondSnowflake);
            SnowflakeSeed.apply(secondSnowflake, s.adminUser(), s.adminPassword(), RsaKeys.publicKeyValue(rotatorKey));
            s.rotatorKeyFile().ifPresent(this::writeRotatorKey);
            vault = VaultEmulator.start(LOOPBACK, s.vaultPort(), s.rootToken().orElseGet(Emulators::randomToken), clock);
            started.add(vault);
            vaultTokens = VaultSeed.apply(vault);
        } catch (RuntimeException e) {
            started.forEach(Emulators::closeQuietly);
            throw e;
        }
    }

    public static Emulators start(Settings settings, AdjustableClock clock) {
        return new Emulators(settings, clock);
    }

    public AdjustableClock clock() {
        return clock;
    }

    /** The first emulated account (id {@code default}). */
    public SnowflakeEmulator snowflake() {
        return snowflake;
    }

    /** The second emulated account (id {@code second}). */
    public SnowflakeEmulator secondSnowflake() {
        return secondSnowflake;
    }

    public VaultEmulator vault() {
        return vault;
    }

    public VaultSeed.Tokens vaultTokens() {
        return vaultTokens;
    }

    /** The seeded rotator's private key as PKCS#8 PEM, for patrol's own key-pair login. */
    public String rotatorPrivateKeyPem() {
        return RsaKeys.privateKeyPem(rotatorKey);
    }

    /**
     * What a person needs to use the emulators: addresses, logins and the dev-only tokens. Dev mode and the standalone jar
     * only.
     */
    public List<String> describe(Settings s) {
        List<String> lines = new ArrayList<>();
        lines.add("Snowflake emulator: " + snowflake.url() + "  account " + snowflake.accountName() + "  admin login "
                + s.adminUser()
                + " / " + s.adminPassword() + "  (JDBC: " + snowflake.jdbcUrl() + ")");
        lines.add("Second Snowflake account: " + secondSnowflake.url() + "  account " + secondSnowflake.accountName()
                + "  (same admin login, same seed; JDBC: " + secondSnowflake.jdbcUrl() + ")");
        lines.add("Seeded in each: CLI user " + SnowflakeSeed.CLI_USER + " with role " + SnowflakeSeed.CLI_ROLE + "; rotator "
                + SnowflakeSeed.ROTATOR_USER + " / " + SnowflakeSeed.ROTATOR_ROLE
                + s.rotatorKeyFile().map(f -> " (private key in " + f + ")").orElse(" (key pair generated at start)"));
        lines.add("Vault emulator: " + vault.address() + "  root token " + vault.rootToken()
                + "  (KV v2 at secret/, policies from deploy/vault/)");
        lines.add("  Vault dev token for patrol: " + vaultTokens.patrol());
        VaultSeed.byAudience(vaultTokens).forEach((audience, t) -> lines.add("  Vault dev token for " + audience + ": " + t));
        return lines;
    }

    @Override
    public void close() {
        closeQuietly(snowflake);
        closeQuietly(secondSnowflake);
        closeQuietly(vault);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    private static String randomToken() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return "hvs.dev-" + HexFormat.of().formatHex(b);
    }

    private void writeRotatorKey(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".rotator-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, RsaKeys.privateKeyPem(rotatorKey), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the rotator key to " + file + ": " + e.getMessage(), e);
        }
    }
}
