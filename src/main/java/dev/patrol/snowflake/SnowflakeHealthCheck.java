package dev.patrol.snowflake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.runtime.StartupEvent;

/** Ready only while the rotator can log in to Snowflake and run a statement. */
@Readiness
@ApplicationScoped
public class SnowflakeHealthCheck implements HealthCheck {

    /**
     * Logs the rotator in while the rest of patrol starts: the driver's first login (class loading,
     * key parsing, a session) is most of the time to ready, and the first readiness probe then finds
     * a session waiting. The client itself is made on that thread too (loading the driver is the
     * slow part), so start-up does not wait for it. A failure here only means readiness reports it.
     */
    void warmUp(@Observes StartupEvent event) {
        Thread t = new Thread(() -> {
            try {
                snowflake.get().ping();
            } catch (RuntimeException e) {
                // readiness will say why
            }
        }, "patrol-snowflake-warm-up");
        t.setDaemon(true);
        t.start();
    }

    @Inject
    Instance<SnowflakeAdmin> snowflake;

    @Inject
    SnowflakeEndpoint endpoint;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("snowflake").withData("account", endpoint.account());
        try {
            return r.up().withData("role", snowflake.get().ping()).build();
        } catch (SnowflakeException e) {
            return r.down().withData("reason", e.getMessage()).build();
        }
    }
}
