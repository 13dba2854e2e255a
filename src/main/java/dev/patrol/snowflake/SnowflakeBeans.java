package dev.patrol.snowflake;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.inject.Singleton;

import dev.patrol.config.PatrolConfig;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The Snowflake side, from {@code patrol.snowflake.*} alone. Where the account is and how the
 * rotator logs in are default beans: dev and test builds point them at the emulator instead.
 */
@ApplicationScoped
public class SnowflakeBeans {

    /** Sessions close before anything they talk to stops (dev services stop later). */
    public static final int CLOSE_PRIORITY = ObserverMethod.DEFAULT_PRIORITY;

    private final List<JdbcSnowflakeAdmin> opened = new ArrayList<>();

    @Produces
    @Singleton
    @DefaultBean
    SnowflakeEndpoint endpoint(PatrolConfig config) {
        return endpointFromConfig(config);
    }

    @Produces
    @Singleton
    @DefaultBean
    RotatorLogin rotatorLogin(PatrolConfig config) {
        return RotatorLogin.fromConfig(config.snowflake());
    }

    @Produces
    @Singleton
    SnowflakeAdmin snowflakeAdmin(SnowflakeEndpoint endpoint, RotatorLogin login, PatrolConfig config) {
        return open(new JdbcSnowflakeAdmin(endpoint.jdbc(), login.properties(), config.rotation().concurrency()));
    }

    /**
     * Posture runs as the rotator, or with another role of the rotator's user ({@code patrol.posture.role}) in sessions of its
     * own.
     */
    @Produces
    @Singleton
    PostureSession postureSession(SnowflakeAdmin rotator, SnowflakeEndpoint endpoint, RotatorLogin login, PatrolConfig config) {
        return config.posture().role()
                .map(role -> new PostureSession(open(new JdbcSnowflakeAdmin(endpoint.jdbc(), login.withRole(role), 1)),
                        Identifiers.normalize(role)))
                .orElseGet(() -> new PostureSession(rotator, login.role()));
    }

    public static SnowflakeEndpoint endpointFromConfig(PatrolConfig config) {
        PatrolConfig.Snowflake sf = config.snowflake();
        String account = sf.account().orElseThrow(() -> new ConfigurationException("patrol.snowflake.account is required"));
        return new SnowflakeEndpoint(account, sf.url());
    }

    private synchronized JdbcSnowflakeAdmin open(JdbcSnowflakeAdmin admin) {
        opened.add(admin);
        return admin;
    }

    synchronized void close(@Observes @Priority(CLOSE_PRIORITY) ShutdownEvent event) {
        opened.forEach(JdbcSnowflakeAdmin::close);
        opened.clear();
    }
}
