package dev.patrol.drift;

import dev.patrol.config.PatrolConfig;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.JdbcSnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeBeans;
import dev.patrol.snowflake.SnowflakeEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** The application's posture checker (run with {@code patrol.posture.role} when set) and its gauges. */
@ApplicationScoped
public class Posture {

    @Inject
    PatrolConfig config;
    @Inject
    SnowflakeBeans snowflakeBeans;
    @Inject
    dev.patrol.snowflake.RotatorLogin login;
    @Inject
    SnowflakeEndpoint endpoint;
    @Inject
    SnowflakeAdmin rotator;
    @Inject
    ConnectionRegistry registry;
    @Inject
    Clock clock;
    @Inject
    MeterRegistry meters;

    private JdbcSnowflakeAdmin own;
    private PostureChecker checker;
    private final AtomicLong failing = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();

    @PostConstruct
    void init() {
        SnowflakeAdmin admin = rotator;
        String role = config.posture().role().orElse(null);
        if (role != null) {
            own = snowflakeBeans.openWithRole(endpoint, login, role);
            admin = own;
        }
        String checkRole = role != null ? role : login.role();
        checker = new PostureChecker(admin, registry, clock, checkRole);
        Gauge.builder("patrol.posture.failures", failing, AtomicLong::get).description("Posture checks failing").register(meters);
        Gauge.builder("patrol.posture.unknown", unknown, AtomicLong::get).description("Posture checks that could not run").register(meters);
    }

    public PostureChecker.Report check() {
        PostureChecker.Report r = checker.check();
        failing.set(r.failures());
        unknown.set(r.checks().stream().filter(c -> c.status() == PostureChecker.Status.UNKNOWN).count());
        return r;
    }

}
