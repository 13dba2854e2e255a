package dev.patrol.vault;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;

/** Renews patrol's own Vault token at two thirds of its TTL, and logs in again when it must. */
@ApplicationScoped
public class VaultTokenKeeper {

    @Inject
    VaultSession session;

    @Scheduled(identity = "vault-token-keeper", every = "15s", delayed = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void keepTokenAlive() {
        session.maintain();
    }
}
