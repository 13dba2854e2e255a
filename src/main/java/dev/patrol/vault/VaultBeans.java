package dev.patrol.vault;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultEmulator;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * Wires the Vault layer from configuration (design §2), or from the dev-services Vault when no
 * address is configured and dev services run.
 */
@ApplicationScoped
public class VaultBeans {

    @Produces
    @Singleton
    VaultSession vaultSession(PatrolConfig config, DevServices devServices, Clock clock) {
        PatrolConfig.Vault v = config.vault();
        String address = v.address().orElseGet(() -> devServices.vault().map(VaultEmulator::address)
                .orElseThrow(() -> new ConfigurationException("patrol.vault.address is required (or enable dev services)")));
        VaultLogin login = switch (v.auth().method()) {
            case "approle" -> new VaultLogin.AppRole(v.approle().mount(), v.approle().roleId().orElseThrow(),
                    v.approle().secretIdFile().orElseThrow());
            case "kubernetes" -> new VaultLogin.Kubernetes(v.kubernetes().mount(), v.kubernetes().role().orElseThrow(),
                    v.kubernetes().jwtFile());
            default -> new VaultLogin.FixedToken(v.token().orElseGet(() -> devServices.vaultTokens().map(t -> t.patrol())
                    .orElseThrow(() -> new ConfigurationException("patrol.vault.token is required"))));
        };
        return new VaultSession(address, v.kvMount(), VaultSession.defaultHttpClient(), login, clock);
    }

    @Produces
    @Singleton
    SecretStore secretStore(VaultSession session, PatrolConfig config) {
        return new VaultSecretStore(session, config.vault().kvMount(), config.vault().pathPrefix());
    }

    @Produces
    @Singleton
    CallerAuthorizer callerAuthorizer(VaultSession session, Clock clock, PatrolConfig config) {
        return new CallerAuthorizer(session, clock, config.vault().callerCacheTtl());
    }
}
