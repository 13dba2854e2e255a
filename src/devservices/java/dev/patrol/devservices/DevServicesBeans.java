package dev.patrol.devservices;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import dev.patrol.snowflake.AccountLogins;
import dev.patrol.snowflake.RotatorLogin;
import dev.patrol.snowflake.SnowflakeEndpoint;
import dev.patrol.vault.VaultAccess;
import dev.patrol.vault.VaultLogin;
import io.quarkus.arc.profile.IfBuildProfile;

/**
 * Dev and test wiring: replaces patrol's default beans for where Snowflake and Vault are, how
 * patrol logs in to them, and what time it is, with the running emulators and their adjustable
 * clock. With dev services off (a test against separately started emulators), the configuration
 * decides, exactly as in production.
 */
@IfBuildProfile(anyOf = { "dev", "test" })
@ApplicationScoped
public class DevServicesBeans {

    @Produces
    @Singleton
    Clock clock(DevServices dev) {
        return dev.clock();
    }

    /** The two emulated accounts, {@code default} and {@code second}, with the seeded rotator's key. */
    @Produces
    @Singleton
    AccountLogins accountLogins(DevServices dev, PatrolConfig config) {
        if (!dev.enabled())
            return AccountLogins.fromConfig(config);
        RotatorLogin rotator = RotatorLogin.ofPem(SnowflakeSeed.ROTATOR_USER, SnowflakeSeed.ROTATOR_ROLE,
                dev.rotatorPrivateKeyPem().orElseThrow());
        List<SnowflakeEmulator> emulated = List.of(dev.snowflake().orElseThrow(), dev.secondSnowflake().orElseThrow());
        List<AccountLogins.AccountLogin> all = new ArrayList<>();
        for (int i = 0; i < emulated.size(); i++) {
            SnowflakeEmulator e = emulated.get(i);
            all.add(new AccountLogins.AccountLogin(AccountLogins.EMULATED.get(i),
                    new SnowflakeEndpoint(e.accountName(), Optional.of(e.url())), rotator));
        }
        return new AccountLogins(all);
    }

    @Produces
    @Singleton
    VaultAccess vaultAccess(DevServices dev, PatrolConfig config) {
        return dev.vault()
                .map(v -> new VaultAccess(v.address(), new VaultLogin.FixedToken(dev.vaultTokens().orElseThrow().patrol())))
                .orElseGet(() -> VaultAccess.fromConfig(config.vault()));
    }
}
