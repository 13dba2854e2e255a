package dev.patrol.devservices;

import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.inject.Inject;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.vault.VaultEmulator;
import dev.patrol.devservices.vault.VaultSeed;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;

/**
 * The embedded emulators of dev mode and tests, started when {@code patrol.devservices.enabled=true}
 * (the default there). This class and everything it starts exist only in dev and test builds: the
 * production application is packaged without them. Patrol's own clients find the emulators through
 * {@link DevServicesBeans}.
 */
@IfBuildProfile(anyOf = { "dev", "test" })
@Startup(ObserverMethod.DEFAULT_PRIORITY)
@ApplicationScoped
public class DevServices {

    /** After every client has closed its sessions (they close at the default priority): see {@link DevServicesBeans}. */
    static final int STOP_PRIORITY = ObserverMethod.DEFAULT_PRIORITY + 1000;

    @Inject
    PatrolConfig config;

    private final AdjustableClock clock = new AdjustableClock();
    private volatile Emulators emulators;

    @PostConstruct
    void start() {
        PatrolConfig.Devservices dev = config.devservices();
        if (!dev.enabled())
            return;
        Emulators.Settings settings = settings(dev);
        emulators = Emulators.start(settings, clock);
        Log.warn(
                "patrol dev services are running: emulated Snowflake and Vault for development and tests only, never production.");
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            // Dev-only credentials of emulators on loopback, printed so the tour can use them; never in tests or production.
            emulators.describe(settings).forEach(Log::info);
        }
    }

    static Emulators.Settings settings(PatrolConfig.Devservices dev) {
        return new Emulators.Settings(dev.snowflake().port(), dev.snowflake().account(), dev.snowflake().secondPort(),
                dev.snowflake().secondAccount(), dev.snowflake().adminUser(), dev.snowflake().adminPassword(),
                dev.snowflake().rotatorKeyFile(), dev.vault().port(), dev.vault().rootToken());
    }

    void stop(@Observes @Priority(STOP_PRIORITY) ShutdownEvent event) {
        Emulators e = emulators;
        if (e != null)
            e.close();
    }

    public boolean enabled() {
        return emulators != null;
    }

    /** The first emulated Snowflake account (id {@code default}), when dev services run. */
    public Optional<SnowflakeEmulator> snowflake() {
        return Optional.ofNullable(emulators).map(Emulators::snowflake);
    }

    /** The second emulated Snowflake account (id {@code second}), when dev services run. */
    public Optional<SnowflakeEmulator> secondSnowflake() {
        return Optional.ofNullable(emulators).map(Emulators::secondSnowflake);
    }

    /** The Vault emulator, when dev services run. */
    public Optional<VaultEmulator> vault() {
        return Optional.ofNullable(emulators).map(Emulators::vault);
    }

    /** The tokens seeded for patrol itself and each audience, when dev services run. */
    public Optional<VaultSeed.Tokens> vaultTokens() {
        return Optional.ofNullable(emulators).map(Emulators::vaultTokens);
    }

    /** The clock both emulators and patrol run on in dev and test; tests move it forward to expire tokens and leases. */
    public AdjustableClock clock() {
        return clock;
    }

    /** The seeded rotator's private key as PKCS#8 PEM, for patrol's own key-pair login. */
    public Optional<String> rotatorPrivateKeyPem() {
        return Optional.ofNullable(emulators).map(Emulators::rotatorPrivateKeyPem);
    }
}
