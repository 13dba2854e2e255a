package dev.patrol.drift;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.patrol.PatrolException;
import dev.patrol.registry.Connection;
import dev.patrol.registry.ConnectionRegistry;
import dev.patrol.snowflake.Accounts;
import dev.patrol.snowflake.Identifiers;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * The account settings the whole pattern rests on (README "Snowflake setup"): person users cannot
 * use PATs, the policy in force for each CLI user requires a role restriction and enforces its
 * network policy, and each CLI user is a service user with exactly one role and a network policy.
 * Each result carries its evidence (the statement and the value seen) and the SQL that fixes it.
 *
 * <p>
 * The user checks need ownership of the CLI user, which the rotator has. Reading authentication
 * policies needs APPLY AUTHENTICATION POLICY (or the policies' ownership); without it those checks
 * say UNKNOWN with the grant that would let them run, and {@code patrol.posture.role} names a role
 * of the rotator's user to run them with.
 */
@Singleton
public final class PostureChecker {

    public enum Status {
        PASS,
        FAIL,
        UNKNOWN
    }

    public record Evidence(String statement, String value) {
    }

    /** One check in one account ({@code account} is its id); {@code subject} is {@code account} or a CLI user. */
    public record Check(String check, String account, String subject, Status status, String detail, Evidence evidence,
            String fix) {
    }

    public record Report(Instant checkedAt, List<Check> checks) {
        public long failures() {
            return checks.stream().filter(c -> c.status() == Status.FAIL).count();
        }
    }

    /** The PAT rules a policy sets (or Snowflake's defaults when no policy applies). */
    record PatRules(String policy, String methods, boolean requireServiceRestriction, String networkEvaluation) {
    }

    private static final String ATTACHED = "SHOW AUTHENTICATION POLICIES ON ACCOUNT";

    private final Accounts accounts;
    private final ConnectionRegistry registry;
    private final Clock clock;
    /** Per account: [failing, unknown] in the last run. */
    private final Map<String, AtomicLong[]> counts = new ConcurrentHashMap<>();
    private final AccountRuns<Check> runs = new AccountRuns<>("Posture check", "patrol-posture");

    @Inject
    public PostureChecker(Accounts accounts, ConnectionRegistry registry, Clock clock, MeterRegistry meters) {
        this.accounts = accounts;
        this.registry = registry;
        this.clock = clock;
        for (Accounts.Account a : accounts.all()) {
            AtomicLong[] n = { new AtomicLong(), new AtomicLong() };
            counts.put(a.id(), n);
            Gauge.builder("patrol.posture.failures", n[0], AtomicLong::get).tag("account", a.id())
                    .description("Posture checks failing").register(meters);
            Gauge.builder("patrol.posture.unknown", n[1], AtomicLong::get).tag("account", a.id())
                    .description("Posture checks that could not run").register(meters);
        }
    }

    /**
     * Every {@code patrol.posture.check-every} on each replica (posture only reads), so the gauges are never older than
     * that. Returns at once: the scheduler's thread never waits on a slow account.
     */
    @Scheduled(identity = "posture-check", every = "${patrol.posture.check-every}", delayed = "1m")
    void scheduledCheck() {
        try {
            checkInBackground();
        } catch (RuntimeException e) {
            Log.warnf("Posture check failed: %s", PatrolException.safeMessage(e));
        }
    }

    /**
     * Starts the checks of every account not being checked already, and returns at once; each run sets its account's gauges.
     */
    public void checkInBackground() {
        runs.start(accounts.all(), this::check);
    }

    /** Checks every account now and waits for all of them. */
    public Report check() {
        return check(AccountRuns.NO_LIMIT);
    }

    /**
     * Checks every account now, side by side (joining checks already going on), waiting at most {@code wait}. An
     * account whose checks are still running then is reported as such (UNKNOWN); its checks go on, and each account's
     * finished run sets its own {@code patrol_posture_failures} and {@code patrol_posture_unknown} gauges.
     */
    public Report check(Duration wait) {
        return new Report(clock.instant(), List.copyOf(runs.run(accounts.all(), this::check, this::stillChecking, wait)));
    }

    private List<Check> check(Accounts.Account account) {
        List<Check> out = new AccountRun(account).run(connectionsOf(account));
        AtomicLong[] n = counts.get(account.id());
        n[0].set(out.stream().filter(c -> c.status() == Status.FAIL).count());
        n[1].set(out.stream().filter(c -> c.status() == Status.UNKNOWN).count());
        return out;
    }

    private List<Check> stillChecking(Accounts.Account account) {
        return List.of(new Check("posture-checks-ran", account.id(), "account", Status.UNKNOWN,
                "not checked yet: the checks of account " + account.id() + " are still running; their results reach "
                        + "patrol_posture_failures when they end",
                new Evidence("(none)", "still running"), null));
    }

    private List<Connection> connectionsOf(Accounts.Account account) {
        return registry.all().stream().filter(c -> c.account().equals(account.id())).toList();
    }

    /** One account's checks, in its posture sessions. */
    private static final class AccountRun {
        private final String account;
        private final SnowflakeAdmin snowflake;
        private final String checkRole;

        AccountRun(Accounts.Account a) {
            this.account = a.id();
            this.snowflake = a.posture().admin();
            this.checkRole = a.posture().role();
        }

        List<Check> run(List<Connection> connections) {
            List<Check> out = new ArrayList<>();
            try {
                personPolicyCheck(out);
                for (Connection c : connections)
                    cliPolicyChecks(c, out);
                for (Connection c : connections)
                    userChecks(c, out);
            } catch (RuntimeException e) {
                out.add(new Check("posture-checks-ran", account, "account", Status.UNKNOWN,
                        "the checks stopped: " + PatrolException.safeMessage(e), new Evidence("(none)", "error"), null));
            }
            return out;
        }

        // ---------------------------------------------------------------- account-wide policies

        private static String readGrant(String checkRole) {
            return "GRANT APPLY AUTHENTICATION POLICY ON ACCOUNT TO ROLE " + checkRole
                    + ";  -- to a role of patrol's user used only for posture (patrol.posture.role)";
        }

        private void personPolicyCheck(List<Check> out) {
            List<Map<String, String>> attached;
            try {
                attached = snowflake.read(ATTACHED);
            } catch (SnowflakeException e) {
                String why = "cannot read the account's authentication policies (" + e.code() + ")";
                out.add(new Check("person-users-cannot-use-pats", account, "account", Status.UNKNOWN, why,
                        new Evidence(ATTACHED, "error " + e.code()),
                        readGrant(checkRole)));
                return;
            }
            Optional<PatRules> person = rules(attached, "PERSON_USERS", out);
            if (person == null)
                return;

            String personFix = "CREATE AUTHENTICATION POLICY IF NOT EXISTS PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT "
                    + "AUTHENTICATION_METHODS = ('PASSWORD', 'SAML', 'OAUTH', 'KEYPAIR');\nALTER ACCOUNT SET AUTHENTICATION POLICY "
                    + "PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT FOR ALL PERSON USERS FORCE;";
            if (person.isEmpty()) {
                out.add(new Check("person-users-cannot-use-pats", account, "account", Status.FAIL,
                        "no authentication policy applies to person users, "
                                + "so they may create and use unrestricted PATs",
                        new Evidence(ATTACHED, "no policy for PERSON_USERS or ACCOUNT"), personFix));
            } else {
                PatRules p = person.get();
                boolean allows = p.methods().contains("ALL") || p.methods().contains("PROGRAMMATIC_ACCESS_TOKEN");
                out.add(new Check("person-users-cannot-use-pats", account, "account", allows ? Status.FAIL : Status.PASS,
                        allows ? "the person users' policy " + p.policy() + " allows PATs"
                                : "the person users' policy " + p.policy() + " excludes PATs",
                        new Evidence("DESCRIBE AUTHENTICATION POLICY " + p.policy(), "AUTHENTICATION_METHODS=" + p.methods()),
                        allows ? "ALTER AUTHENTICATION POLICY " + p.policy()
                                + " SET AUTHENTICATION_METHODS = ('PASSWORD', 'SAML', 'OAUTH', 'KEYPAIR');" : null));
            }
        }

        /** The PAT rules of the authentication policy in force for one CLI user (its own, else the account's). */
        private void cliPolicyChecks(Connection c, List<Check> out) {
            String user = Identifiers.quoted(c.user());
            String inForce = "SHOW AUTHENTICATION POLICIES ON USER " + user;
            List<Map<String, String>> rows;
            try {
                rows = snowflake.read(inForce);
            } catch (SnowflakeException e) {
                String why = "cannot read the authentication policy in force for the CLI user (" + e.code() + ")";
                for (String check : List.of("service-users-need-role-restriction", "network-policy-evaluation-enforced")) {
                    out.add(new Check(check, account, c.user(), Status.UNKNOWN, why, new Evidence(inForce, "error " + e.code()),
                            readGrant(checkRole)));
                }
                return;
            }
            Optional<PatRules> service = rows.isEmpty() || rows.get(0).get("database_name") == null ? Optional.empty()
                    : describe(rows.get(0), out);
            if (service == null)
                return;
            PatRules s = service.orElse(new PatRules("(none: Snowflake's defaults)", "[ALL]", true, "ENFORCED_REQUIRED"));
            String where = service.isPresent() ? "DESCRIBE AUTHENTICATION POLICY " + s.policy() : inForce;
            out.add(new Check("service-users-need-role-restriction", account, c.user(),
                    s.requireServiceRestriction() ? Status.PASS : Status.FAIL,
                    s.requireServiceRestriction() ? "service users' PATs must name a role"
                            : "service users may create unrestricted PATs",
                    new Evidence(where, "REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=" + s.requireServiceRestriction()),
                    s.requireServiceRestriction() ? null
                            : "ALTER AUTHENTICATION POLICY " + s.policy()
                                    + " SET PAT_POLICY = (REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = TRUE NETWORK_POLICY_EVALUATION = ENFORCED_REQUIRED);"));
            boolean enforced = s.networkEvaluation().equals("ENFORCED_REQUIRED");
            out.add(new Check("network-policy-evaluation-enforced", account, c.user(), enforced ? Status.PASS : Status.FAIL,
                    enforced ? "PATs need a network policy and it is enforced"
                            : "PATs work without (or around) a network policy",
                    new Evidence(where, "NETWORK_POLICY_EVALUATION=" + s.networkEvaluation()),
                    enforced ? null
                            : "ALTER AUTHENTICATION POLICY " + s.policy()
                                    + " SET PAT_POLICY = (REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = TRUE NETWORK_POLICY_EVALUATION = ENFORCED_REQUIRED);"));
        }

        /**
         * The policy for a user type: one attached for that type, else the account-wide one; empty when
         * none; null when it could not be read (an UNKNOWN was recorded).
         */
        private Optional<PatRules> rules(List<Map<String, String>> attached, String scope, List<Check> out) {
            Map<String, String> chosen = null;
            for (String wanted : List.of(scope, "ACCOUNT")) {
                for (Map<String, String> row : attached) {
                    String options = row.getOrDefault("options", "");
                    if (options.contains("\"" + wanted + "\"")) {
                        chosen = row;
                        break;
                    }
                }
                if (chosen != null)
                    break;
            }
            if (chosen == null)
                return Optional.empty();
            return describe(chosen, out);
        }

        /**
         * The PAT rules of a policy named in a SHOW AUTHENTICATION POLICIES row; null when it could not be read (an UNKNOWN was
         * recorded).
         */
        private Optional<PatRules> describe(Map<String, String> chosen, List<Check> out) {
            String name = Identifiers.quoted(chosen.get("database_name")) + "." + Identifiers.quoted(chosen.get("schema_name"))
                    + "."
                    + Identifiers.quoted(chosen.get("name"));
            try {
                String methods = "[ALL]", pat = "";
                for (Map<String, String> row : snowflake.read("DESCRIBE AUTHENTICATION POLICY " + name)) {
                    if ("AUTHENTICATION_METHODS".equals(row.get("property")))
                        methods = row.get("value");
                    if ("PAT_POLICY".equals(row.get("property")))
                        pat = row.get("value");
                }
                boolean require = !pat.contains("REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=false");
                String evaluation = pat.contains("NETWORK_POLICY_EVALUATION=")
                        ? pat.replaceAll(".*NETWORK_POLICY_EVALUATION=([A-Z_]+).*", "$1")
                        : "ENFORCED_REQUIRED";
                return Optional.of(new PatRules(name.replace("\"", ""), methods, require, evaluation));
            } catch (SnowflakeException e) {
                out.add(new Check("policy-readable", account, name, Status.UNKNOWN,
                        "cannot describe the policy (" + e.code() + ")",
                        new Evidence("DESCRIBE AUTHENTICATION POLICY " + name, "error " + e.code()),
                        "GRANT APPLY AUTHENTICATION POLICY ON ACCOUNT TO ROLE " + checkRole + ";"));
                return null;
            }
        }

        // ---------------------------------------------------------------- per CLI user

        private void userChecks(Connection c, List<Check> out) {
            String user = Identifiers.quoted(c.user());
            try {
                SnowflakeAdmin.UserFacts f = snowflake.describeUser(c.user());
                if (!f.exists()) {
                    out.add(new Check("cli-user-is-service-with-one-role", account, c.user(), Status.FAIL,
                            "the user does not exist (or the rotator cannot see it)",
                            new Evidence("DESCRIBE USER " + user, "does not exist"),
                            "run deploy/snowflake/add-cli-user.sql for " + c.user()));
                    return;
                }
                Set<String> extra = new TreeSet<>(f.roles());
                extra.remove(c.role());
                extra.remove("PUBLIC");
                boolean service = "SERVICE".equals(f.type());
                boolean ok = service && extra.isEmpty() && f.roles().contains(c.role());
                StringBuilder fix = new StringBuilder();
                if (!service)
                    fix.append("ALTER USER ").append(user).append(" SET TYPE = SERVICE;\n");
                for (String r : extra)
                    fix.append("REVOKE ROLE ").append(Identifiers.quoted(r)).append(" FROM USER ").append(user).append(";\n");
                if (!f.roles().contains(c.role()))
                    fix.append("GRANT ROLE ").append(Identifiers.quoted(c.role())).append(" TO USER ").append(user)
                            .append(";\n");
                out.add(new Check("cli-user-is-service-with-one-role", account, c.user(), ok ? Status.PASS : Status.FAIL,
                        ok ? "TYPE=SERVICE with only " + c.role() : "TYPE=" + f.type() + ", roles " + f.roles(),
                        new Evidence("DESCRIBE USER " + user + "; SHOW GRANTS TO USER " + user,
                                "TYPE=" + f.type() + " roles=" + f.roles()),
                        ok ? null : fix.toString().trim()));
                String statement = "SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN USER " + user;
                List<Map<String, String>> rows = snowflake.read(statement);
                String np = rows.isEmpty() ? "" : rows.get(0).getOrDefault("value", "");
                if (np.isEmpty()) {
                    List<Map<String, String>> acct = snowflake.read("SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN ACCOUNT");
                    np = acct.isEmpty() ? "" : acct.get(0).getOrDefault("value", "");
                    statement += "; SHOW PARAMETERS LIKE 'NETWORK_POLICY' IN ACCOUNT";
                }
                out.add(new Check("cli-user-has-network-policy", account, c.user(), np.isEmpty() ? Status.FAIL : Status.PASS,
                        np.isEmpty() ? "no network policy applies: its PATs cannot be used (or the requirement was relaxed)"
                                : "network policy " + np,
                        new Evidence(statement, np.isEmpty() ? "(none)" : np),
                        np.isEmpty() ? "ALTER USER " + user + " SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY;" : null));
            } catch (SnowflakeException e) {
                out.add(new Check("cli-user-readable", account, c.user(), Status.UNKNOWN,
                        "cannot inspect the user (" + e.code() + ")",
                        new Evidence("DESCRIBE USER " + user, "error " + e.code()),
                        "GRANT OWNERSHIP ON USER " + user + " TO ROLE " + checkRole
                                + " COPY CURRENT GRANTS;  -- as add-cli-user.sql does"));
            }
        }
    }
}
