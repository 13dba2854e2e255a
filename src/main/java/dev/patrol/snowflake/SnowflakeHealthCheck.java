package dev.patrol.snowflake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the rotator can log in to Snowflake and run a statement. */
@Readiness
@ApplicationScoped
public class SnowflakeHealthCheck implements HealthCheck {

    @Inject
    SnowflakeAdmin snowflake;

    @Inject
    SnowflakeEndpoint endpoint;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("snowflake").withData("account", endpoint.account());
        try {
            return r.up().withData("role", snowflake.ping()).build();
        } catch (SnowflakeException e) {
            return r.down().withData("reason", e.getMessage()).build();
        }
    }
}
