package dev.patrol.devservices;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.snowflake.RsaKeys;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import dev.patrol.devservices.vault.VaultEmulator;
import dev.patrol.devservices.vault.VaultSeed;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Optional;

/**
 * Starts the embedded emulators when {@code patrol.devservices.enabled=true} (the default in dev and
 * test), seeds them (design §8), and tells patrol's own clients where they are. Off otherwise: the
 * emulators are test and demo infrastructure, never a production feature.
 */
@Startup(jakarta.enterprise.inject.spi.ObserverMethod.DEFAULT_PRIORITY)
@ApplicationScoped
public class DevServices {

    static final String LOOPBACK = "127.0.0.1";

    @Inject
    PatrolConfig config;

    private final AdjustableClock clock = new AdjustableClock();
    private SnowflakeEmulator snowflake;
    private VaultEmulator vault;
    private VaultSeed.Tokens vaultTokens;
    private KeyPair rotatorKey;

    @PostConstruct
    void start() {
        PatrolConfig.Devservices dev = config.devservices();
        if (!dev.enabled()) return;
        rotatorKey = RsaKeys.generate();
        snowflake = SnowflakeEmulator.start(dev.snowflake().account(), LOOPBACK, dev.snowflake().port(), clock);
        SnowflakeSeed.apply(snowflake, dev.snowflake().adminUser(), dev.snowflake().adminPassword(), RsaKeys.publicKeyValue(rotatorKey));
        dev.snowflake().rotatorKeyFile().ifPresent(this::writeRotatorKey);
        vault = VaultEmulator.start(LOOPBACK, dev.vault().port(), dev.vault().rootToken(), clock);
        vaultTokens = VaultSeed.apply(vault);
        Log.warnf("patrol dev services are running: emulated Snowflake and Vault for development and tests only, never production.");
        Log.infof("Snowflake emulator: %s  account %s  admin login %s / %s  (JDBC: %s)", snowflake.url(), snowflake.accountName(),
                dev.snowflake().adminUser(), dev.snowflake().adminPassword(), snowflake.jdbcUrl());
        Log.infof("Seeded: CLI user %s with role %s; rotator %s (key pair generated at start)%s", SnowflakeSeed.CLI_USER,
                SnowflakeSeed.CLI_ROLE, SnowflakeSeed.ROTATOR_USER,
                dev.standalone() ? "; standalone mode: only the emulators run" : "");
        // Dev-only Vault credentials, printed so the tour can use them; no real secret is involved.
        Log.infof("Vault emulator: %s  root token %s  (KV v2 at secret/, policies from deploy/vault/)", vault.address(), vault.rootToken());
        VaultSeed.byAudience(vaultTokens).forEach((audience, t) -> Log.infof("  Vault dev token for %s: %s", audience, t));
    }

    void stop(@Observes ShutdownEvent event) {
        if (snowflake != null) snowflake.close();
        if (vault != null) vault.close();
    }

    public boolean enabled() {
        return snowflake != null;
    }

    /** The Snowflake emulator, when dev services run. */
    public Optional<SnowflakeEmulator> snowflake() {
        return Optional.ofNullable(snowflake);
    }

    /** The Vault emulator, when dev services run. */
    public Optional<VaultEmulator> vault() {
        return Optional.ofNullable(vault);
    }

    /** The tokens seeded for patrol itself and each audience, when dev services run. */
    public Optional<VaultSeed.Tokens> vaultTokens() {
        return Optional.ofNullable(vaultTokens);
    }

    /** The clock both emulators run on; tests move it forward to expire tokens and leases. */
    public AdjustableClock clock() {
        return clock;
    }

    /** The seeded rotator's private key as PKCS#8 PEM, for patrol's own key-pair login. */
    public Optional<String> rotatorPrivateKeyPem() {
        return Optional.ofNullable(rotatorKey).map(RsaKeys::privateKeyPem);
    }

    private void writeRotatorKey(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".rotator-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, RsaKeys.privateKeyPem(rotatorKey), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Log.infof("Rotator private key written to %s", file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the rotator key to " + file + ": " + e.getMessage(), e);
        }
    }
}
