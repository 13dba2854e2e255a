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

/**
 * The Snowflake side: one client per account, from {@code patrol.snowflake.*} and
 * {@code patrol.accounts.*} alone. Where the accounts are and how the rotator logs in is a default
 * bean: dev and test builds point it at the emulated accounts instead.
 */
@ApplicationScoped
public class SnowflakeBeans {

    /** Sessions close before anything they talk to stops (dev services stop later). */
    public static final int CLOSE_PRIORITY = ObserverMethod.DEFAULT_PRIORITY;

    private final List<JdbcSnowflakeAdmin> opened = new ArrayList<>();

    @Produces
    @Singleton
    @DefaultBean
    AccountLogins accountLogins(PatrolConfig config) {
        return AccountLogins.fromConfig(config);
    }

    /**
     * A session pool per account, each as large as a sweep's workers in that account. Posture runs as the rotator, or with
     * another role of the rotator's user ({@code patrol.posture.role}) in sessions of its own.
     */
    @Produces
    @Singleton
    Accounts accounts(AccountLogins logins, PatrolConfig config) {
        List<Accounts.Account> all = new ArrayList<>();
        for (AccountLogins.AccountLogin a : logins.all()) {
            RotatorLogin login = a.rotator();
            SnowflakeAdmin rotator = open(
                    new JdbcSnowflakeAdmin(a.endpoint().jdbc(), login.properties(), config.rotation().concurrency()));
            PostureSession posture = config.posture().role()
                    .map(role -> new PostureSession(open(new JdbcSnowflakeAdmin(a.endpoint().jdbc(), login.withRole(role), 1)),
                            Identifiers.normalize(role)))
                    .orElseGet(() -> new PostureSession(rotator, login.role()));
            all.add(new Accounts.Account(a.id(), a.endpoint(), rotator, posture));
        }
        return new Accounts(all);
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
