package dev.patrol.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.patrol.drift.PostureChecker.Status;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.rotation.RotationTestAccess;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.JdbcSnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeEndpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Posture of a correctly and an incorrectly set up account (issue 7), against the emulator. */
class PostureCheckerTest {

    final RotationTestAccess.Fixture f = RotationTestAccess.fixture();
    final Connection cli = RotationTestAccess.connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE");

    @AfterEach
    void stop() {
        f.close();
    }

    /** The checks run as SECURITYADMIN, a role that may read authentication policies. */
    PostureChecker.Report asSecurityAdmin() {
        Properties p = new Properties();
        p.put("user", "ADMIN");
        p.put("password", "patrol-dev");
        p.put("role", "SECURITYADMIN");
        SnowflakeEndpoint endpoint = new SnowflakeEndpoint("PATROLDEV", Optional.of(f.snowflake().url()));
        try (JdbcSnowflakeAdmin admin = new JdbcSnowflakeAdmin(endpoint.jdbc(), p, 2)) {
            return new PostureChecker(Accounts.single("default", endpoint, admin, "SECURITYADMIN"),
                    new ConnectionRegistry(List.of(cli)),
                    f.clock(), new SimpleMeterRegistry()).check();
        }
    }

    static Map<String, PostureChecker.Check> byName(PostureChecker.Report r) {
        return r.checks().stream().collect(Collectors.toMap(PostureChecker.Check::check, c -> c, (a, b) -> a));
    }

    @Test
    void theSetupScriptLeavesAnAccountThatPasses() {
        PostureChecker.Report r = asSecurityAdmin();
        assertEquals(5, r.checks().size(), r.toString());
        for (PostureChecker.Check c : r.checks()) {
            assertEquals(Status.PASS, c.status(), c.toString());
            assertNull(c.fix());
            assertTrue(c.evidence().statement().length() > 0);
        }
    }

    @Test
    void anIncorrectlySetUpAccountFailsWithEvidenceAndFixes() {
        f.sql("ALTER ACCOUNT UNSET AUTHENTICATION POLICY FOR ALL PERSON USERS");
        f.sql("ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT SET PAT_POLICY = "
                + "(REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = FALSE NETWORK_POLICY_EVALUATION = NOT_ENFORCED)");
        f.sql("ALTER USER ANALYST_CLI UNSET NETWORK_POLICY");
        f.sql("GRANT ROLE SYSADMIN TO USER ANALYST_CLI");
        Map<String, PostureChecker.Check> r = byName(asSecurityAdmin());
        assertEquals(Status.FAIL, r.get("person-users-cannot-use-pats").status());
        assertTrue(r.get("person-users-cannot-use-pats").fix().contains("FOR ALL PERSON USERS"));
        assertEquals(Status.FAIL, r.get("service-users-need-role-restriction").status());
        assertEquals("REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=false",
                r.get("service-users-need-role-restriction").evidence().value());
        assertEquals(Status.FAIL, r.get("network-policy-evaluation-enforced").status());
        assertEquals("NETWORK_POLICY_EVALUATION=NOT_ENFORCED", r.get("network-policy-evaluation-enforced").evidence().value());
        assertEquals(Status.FAIL, r.get("cli-user-has-network-policy").status());
        assertTrue(r.get("cli-user-has-network-policy").fix().startsWith("ALTER USER \"ANALYST_CLI\" SET NETWORK_POLICY"));
        assertEquals(Status.FAIL, r.get("cli-user-is-service-with-one-role").status());
        assertEquals("REVOKE ROLE \"SYSADMIN\" FROM USER \"ANALYST_CLI\";", r.get("cli-user-is-service-with-one-role").fix());
        // a person policy that allows PATs fails too
        f.sql("CREATE AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.LAX AUTHENTICATION_METHODS = ('ALL')");
        f.sql("ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.LAX FOR ALL PERSON USERS");
        assertEquals(Status.FAIL, byName(asSecurityAdmin()).get("person-users-cannot-use-pats").status());
    }

    /**
     * The scheduled check, as every replica runs it: it returns at once (the scheduler's thread never waits on the
     * account), a report asked for meanwhile joins its run instead of starting another, and the run keeps the gauges
     * current without anyone asking.
     */
    @Test
    void theScheduledCheckRunsInTheBackgroundAndKeepsTheGaugesCurrent() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        SnowflakeAdmin held = (SnowflakeAdmin) Proxy.newProxyInstance(SnowflakeAdmin.class.getClassLoader(),
                new Class<?>[] { SnowflakeAdmin.class }, (proxy, method, args) -> {
                    if (method.getName().equals("describeUser") && runs.incrementAndGet() == 1) {
                        entered.countDown();
                        assertTrue(release.await(30, TimeUnit.SECONDS), "the test never released the account");
                    }
                    try {
                        return method.invoke(f.admin(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PostureChecker checker = new PostureChecker(Accounts.single("default", f.accounts().all().get(0).endpoint(), held,
                "PATROL_ROTATOR_ROLE"), new ConnectionRegistry(List.of(cli)), f.clock(), meters);
        checker.scheduledCheck();
        assertTrue(entered.await(30, TimeUnit.SECONDS), "the scheduled check runs, and has returned while it is held");
        assertEquals(0.0, gauge(meters, "patrol.posture.unknown"), "no result before the run ends");
        // a report asked for meanwhile joins the held run: no second run, and it says the account is still running
        PostureChecker.Report report = checker.check(Duration.ZERO);
        assertTrue(report.checks().stream().allMatch(c -> c.detail().contains("still running")), report.toString());
        assertEquals(1, runs.get(), "the report joined the scheduled run");
        release.countDown();
        // the run ends by itself and sets the gauges
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (gauge(meters, "patrol.posture.unknown") == 0 && System.nanoTime() < giveUp)
            Thread.onSpinWait();
        assertTrue(gauge(meters, "patrol.posture.unknown") > 0, "the rotator cannot read the policies");
        assertEquals(0.0, gauge(meters, "patrol.posture.failures"));
        assertEquals(1, runs.get(), "one run");

        f.sql("GRANT ROLE SYSADMIN TO USER ANALYST_CLI");
        checker.check();
        assertEquals(1.0, gauge(meters, "patrol.posture.failures"), "a second role on the CLI user fails");
        f.sql("REVOKE ROLE SYSADMIN FROM USER ANALYST_CLI");
        checker.check();
        assertEquals(0.0, gauge(meters, "patrol.posture.failures"), "and passes again once fixed");
    }

    static double gauge(SimpleMeterRegistry meters, String name) {
        return meters.get(name).tag("account", "default").gauge().value();
    }

    @Test
    void theLeastPrivilegedRotatorCannotReadPoliciesAndSaysSo() {
        PostureChecker.Report r = new PostureChecker(f.accounts(),
                new ConnectionRegistry(List.of(cli)), f.clock(), new SimpleMeterRegistry()).check();
        Map<String, PostureChecker.Check> m = byName(r);
        assertEquals(Status.UNKNOWN, m.get("person-users-cannot-use-pats").status());
        assertTrue(m.get("person-users-cannot-use-pats").fix()
                .contains("GRANT APPLY AUTHENTICATION POLICY ON ACCOUNT TO ROLE PATROL_ROTATOR_ROLE"));
        assertEquals(Status.PASS, m.get("cli-user-is-service-with-one-role").status());
        assertEquals(Status.PASS, m.get("cli-user-has-network-policy").status());
    }
}
