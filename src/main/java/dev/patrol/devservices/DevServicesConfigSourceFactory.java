package dev.patrol.devservices;

import dev.patrol.devservices.snowflake.SnowflakeSeed;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.List;
import java.util.Map;

/**
 * When dev services are enabled, registers the seeded connection {@code analyst_cli} (design §8) as
 * configuration, below every other source, so the demo works the same under {@code quarkus:dev},
 * in tests and from the packaged jar. Any explicit {@code patrol.connections.*} setting wins.
 */
public class DevServicesConfigSourceFactory implements ConfigSourceFactory {

    static final String SEED_CONNECTION = "analyst_cli";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue enabled = context.getValue("patrol.devservices.enabled");
        if (enabled == null || enabled.getValue() == null || !Boolean.parseBoolean(enabled.getValue().trim())) return List.of();
        String prefix = "patrol.connections." + SEED_CONNECTION + ".";
        return List.of(new PropertiesConfigSource(Map.of(
                prefix + "user", SnowflakeSeed.CLI_USER,
                prefix + "role", SnowflakeSeed.CLI_ROLE,
                prefix + "warehouse", SnowflakeSeed.CLI_WAREHOUSE), "patrol-devservices-seed", 50));
    }
}
