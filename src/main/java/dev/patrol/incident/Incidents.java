package dev.patrol.incident;

import dev.patrol.audit.AuditLog;
import dev.patrol.config.PatrolConfig;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationJob;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.SecretStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;

/** The application's {@link IncidentResponse}, sharing the rotation engine (resume mints through it). */
@ApplicationScoped
public class Incidents {

    @Inject
    SnowflakeAdmin snowflake;
    @Inject
    SecretStore store;
    @Inject
    ConnectionRegistry registry;
    @Inject
    RotationJob rotation;
    @Inject
    AuditLog audit;
    @Inject
    Clock clock;
    @Inject
    PatrolConfig config;

    private volatile IncidentResponse response;

    public IncidentResponse response() {
        if (response == null) {
            synchronized (this) {
                if (response == null) {
                    response = new IncidentResponse(snowflake, store, registry, rotation.engine(), audit, clock,
                            Math.max(config.rotation().concurrency(), 16));
                }
            }
        }
        return response;
    }

    @PreDestroy
    void close() {
        if (response != null) response.close();
    }
}
