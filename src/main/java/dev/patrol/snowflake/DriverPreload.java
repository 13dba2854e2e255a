package dev.patrol.snowflake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;

/**
 * Loads and initializes the Snowflake driver (about a thousand classes from its 99 MB jar, its
 * bundled BouncyCastle provider, its logging) on a background thread from the moment the CDI
 * container exists, in production only: that is about half of the rotator's first login, and it
 * needs no configuration, so it overlaps with the rest of start-up instead of following it.
 * {@link JdbcSnowflakeAdmin} waits for it before it touches the driver, so the driver's classes are
 * never initialized from two threads at once.
 */
@ApplicationScoped
public class DriverPreload {

    static final String DRIVER = "net.snowflake.client.api.driver.SnowflakeDriver";

    private static volatile Thread loader;

    // @Initialized(ApplicationScoped.class) is fired while the container starts, well before StartupEvent.
    static void start(@Observes @Initialized(ApplicationScoped.class) Object event) {
        if (LaunchMode.current() != LaunchMode.NORMAL || loader != null) {
            return;
        }
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        Runnable load = () -> {
            try {
                Class.forName(DRIVER, true, cl);
            } catch (Throwable e) {
                // a driver whose initialization failed stays unusable; the login then only says so
                Logger.getLogger(DriverPreload.class).warn("The Snowflake driver failed to load", e);
            }
        };
        Thread t = new Thread(load, "patrol-snowflake-driver-preload");
        t.setDaemon(true);
        t.setContextClassLoader(cl);
        loader = t;
        t.start();
    }

    /** Returns once the preload, if one was started, has finished. */
    static void await() {
        Thread t = loader;
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
