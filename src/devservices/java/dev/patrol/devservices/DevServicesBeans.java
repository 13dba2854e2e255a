package dev.patrol.devservices;

import java.time.Clock;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import dev.patrol.snowflake.RotatorLogin;
import dev.patrol.snowflake.SnowflakeBeans;
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

    @Produces
    @Singleton
    SnowflakeEndpoint snowflakeEndpoint(DevServices dev, PatrolConfig config) {
        return dev.snowflake().map(e -> new SnowflakeEndpoint(e.accountName(), Optional.of(e.url())))
                .orElseGet(() -> SnowflakeBeans.endpointFromConfig(config));
    }

    @Produces
    @Singleton
    RotatorLogin rotatorLogin(DevServices dev, PatrolConfig config) {
        return dev.rotatorPrivateKeyPem()
                .map(pem -> RotatorLogin.ofPem(SnowflakeSeed.ROTATOR_USER, SnowflakeSeed.ROTATOR_ROLE, pem))
                .orElseGet(() -> RotatorLogin.fromConfig(config.snowflake()));
    }

    @Produces
    @Singleton
    VaultAccess vaultAccess(DevServices dev, PatrolConfig config) {
        return dev.vault()
                .map(v -> new VaultAccess(v.address(), new VaultLogin.FixedToken(dev.vaultTokens().orElseThrow().patrol())))
                .orElseGet(() -> VaultAccess.fromConfig(config.vault()));
    }
}
