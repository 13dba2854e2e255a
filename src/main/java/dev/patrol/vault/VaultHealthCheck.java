package dev.patrol.vault;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.HealthResponse;

/** Ready only while Vault answers, is unsealed and active, and patrol holds a working token. */
@Readiness
@ApplicationScoped
public class VaultHealthCheck implements HealthCheck {

    @Inject
    VaultSession session;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("vault").withData("address", session.address());
        try {
            HealthResponse h = session.forToken(null).debug().health();
            if (Boolean.TRUE.equals(h.getSealed()))
                return r.down().withData("reason", "Vault is sealed").build();
            if (Boolean.TRUE.equals(h.getStandby()))
                return r.down().withData("reason", "Vault answered as a standby").build();
            session.kv().auth().lookupSelf();
            return r.up().build();
        } catch (VaultException e) {
            return r.down().withData("reason", "HTTP " + e.getHttpStatusCode()).build();
        } catch (VaultClientException e) {
            return r.down().withData("reason", e.getMessage()).build();
        }
    }
}
