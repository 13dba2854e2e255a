package dev.patrol.vault;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.patrol.config.PatrolConfig;
import io.quarkus.arc.DefaultBean;

/**
 * The Vault layer, from {@code patrol.vault.*} alone. Where Vault is and how patrol logs in is a
 * default bean: dev and test builds point it at the emulator instead.
 */
@ApplicationScoped
public class VaultBeans {

    @Produces
    @Singleton
    @DefaultBean
    VaultAccess vaultAccess(PatrolConfig config) {
        return VaultAccess.fromConfig(config.vault());
    }

    @Produces
    @Singleton
    VaultPaths vaultPaths(PatrolConfig config) {
        return VaultPaths.fromConfig(config.vault());
    }

    @Produces
    @Singleton
    VaultSession vaultSession(VaultAccess access, VaultPaths paths, Clock clock) {
        return new VaultSession(access.address(), paths.kvMount(), VaultSession.defaultHttpClient(), access.login(), clock);
    }

    @Produces
    @Singleton
    SecretStore secretStore(VaultSession session, VaultPaths paths) {
        return new VaultSecretStore(session, paths);
    }

    @Produces
    @Singleton
    CallerAuthorizer callerAuthorizer(VaultSession session, Clock clock, PatrolConfig config) {
        return new CallerAuthorizer(session, clock, config.vault().callerCacheTtl());
    }
}
