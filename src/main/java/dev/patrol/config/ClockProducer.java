package dev.patrol.config;

import dev.patrol.devservices.DevServices;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * patrol's one source of time. With dev services it is the emulators' adjustable clock, so patrol,
 * the emulated Snowflake and the emulated Vault agree when a test moves time forward.
 */
@ApplicationScoped
public class ClockProducer {

    @Produces
    @Singleton
    Clock clock(DevServices devServices) {
        return devServices.enabled() ? devServices.clock() : Clock.systemUTC();
    }
}
