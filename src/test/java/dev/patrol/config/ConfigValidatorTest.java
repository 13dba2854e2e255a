package dev.patrol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

class ConfigValidatorTest {

    static PatrolConfig config(Map<String, String> values) {
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(PatrolConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(new HashMap<>(values), "test", 100)).build();
        return c.getConfigMapping(PatrolConfig.class);
    }

    @Test
    void defaultsAreConsistent() {
        PatrolConfig c = config(Map.of("patrol.devservices.enabled", "true"));
        assertEquals(List.of(), ConfigValidator.problems(c, LaunchMode.TEST));
        assertEquals(Duration.ofDays(7), c.rotation().period());
        assertEquals(Duration.ofHours(24), c.rotation().grace());
        assertEquals(30, c.rotation().daysToExpiry());
        assertEquals("secret", c.vault().kvMount());
    }

    @Test
    void everyProblemIsNamed() {
        List<String> problems = ConfigValidator.problems(config(Map.of(
                "patrol.rotation.period", "30d",
                "patrol.rotation.check-every", "soon",
                "patrol.posture.check-every", "hourly",
                "patrol.rotation.grace", "90m",
                "patrol.devservices.enabled", "true",
                "patrol.snowflake.url", "https://acme-prod.snowflakecomputing.com",
                "patrol.connections.x.user", "X",
                "patrol.connections.x.role", "R",
                "patrol.connections.x.days-to-expiry", "400")), LaunchMode.TEST);
        String all = String.join("\n", problems);
        for (String expected : List.of("patrol.rotation.check-every is 'soon'", "patrol.posture.check-every is 'hourly'",
                "whole hours", "must be shorter than days-to-expiry",
                "together with real Snowflake or Vault settings (patrol.snowflake.url)", "Snowflake allows 1 to 365")) {
            assertTrue(all.contains(expected), () -> "missing '" + expected + "' in:\n" + all);
        }
    }

    @Test
    void withoutDevServicesTheRealSystemsMustBeConfigured() {
        String all = String.join("\n",
                ConfigValidator.problems(config(Map.of("patrol.vault.auth.method", "approle")), LaunchMode.TEST));
        for (String key : List.of("patrol.snowflake.account", "patrol.snowflake.user", "patrol.snowflake.role",
                "patrol.snowflake.private-key-file", "patrol.vault.address", "patrol.vault.approle.role-id",
                "patrol.vault.approle.secret-id-file")) {
            assertTrue(all.contains(key), () -> "missing " + key + " in:\n" + all);
        }
        assertEquals(List.of(), ConfigValidator.problems(config(Map.of("patrol.snowflake.account", "ACME-PROD",
                "patrol.snowflake.user", "PATROL_ROTATOR", "patrol.snowflake.role", "PATROL_ROTATOR_ROLE",
                "patrol.snowflake.private-key-file", "/etc/patrol/rotator.p8", "patrol.vault.address", "https://vault:8200",
                "patrol.vault.token", "s.x")), LaunchMode.TEST));
    }

    @Test
    void perConnectionOverridesAreChecked() {
        List<String> problems = ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.connections.fast.account", "default", "patrol.connections.fast.user", "FAST_CLI",
                "patrol.connections.fast.role", "FAST_ROLE",
                "patrol.connections.fast.days-to-expiry", "7")), LaunchMode.TEST);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("patrol.connections.fast"));
    }

    @Test
    void connectionNamesAndIdentifiersAreCheckedBeforeAnySqlIsBuilt() {
        String all = String.join("\n", ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.connections.Bad_Name.user", "X", "patrol.connections.Bad_Name.role", "R",
                "patrol.connections.ok.user", "ANALYST\"; DROP USER ADMIN; --", "patrol.connections.ok.role", "ACCOUNTADMIN",
                "patrol.connections.ok.warehouse", "WH-1")), LaunchMode.TEST));
        for (String expected : List.of("patrol.connections.Bad_Name: connection names must match",
                "patrol.connections.ok.user is not a plain Snowflake identifier", "patrol.connections.ok.role is ACCOUNTADMIN",
                "patrol.connections.ok.warehouse is not a plain Snowflake identifier")) {
            assertTrue(all.contains(expected), () -> "missing '" + expected + "' in:\n" + all);
        }
        // the problem text names the key, never echoes the bad value into logs
        assertTrue(!all.contains("DROP USER"), all);
    }

    @Test
    void connectionsWhoseTokensCouldCollideAreRefused() {
        Map<String, String> m = new HashMap<>(Map.of("patrol.devservices.enabled", "true",
                "patrol.connections.analyst.user", "ANALYST_SVC", "patrol.connections.analyst.role", "ANALYST_ROLE",
                "patrol.connections.analyst_xl.user", "analyst_svc", "patrol.connections.analyst_xl.role", "ANALYST_ROLE",
                "patrol.connections.analyst.account", "default", "patrol.connections.analyst_xl.account", "default"));
        List<String> problems = ConfigValidator.problems(config(m), LaunchMode.TEST);
        assertEquals(
                List.of("patrol.connections analyst, analyst_xl share one Snowflake user (ANALYST_SVC); each connection needs"
                        + " its own user, since patrol removes the tokens it owns on it"),
                problems);

        m.put("patrol.connections.analyst_xl.user", "ANALYST_XL_SVC");
        assertEquals(List.of(), ConfigValidator.problems(config(m), LaunchMode.TEST), "a user each: no overlap possible");

        m.putAll(Map.of("patrol.connections.a-b.user", "AB1", "patrol.connections.a-b.role", "R",
                "patrol.connections.a_b.user", "AB2", "patrol.connections.a_b.role", "R", "patrol.connections.a-b.account",
                "default", "patrol.connections.a_b.account", "second"));
        problems = ConfigValidator.problems(config(m), LaunchMode.TEST);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("patrol.connections a-b, a_b: their token names collide (PATROL_A_B)"),
                problems.get(0));
    }

    @Test
    void theSameUserInTwoAccountsIsTwoUsers() {
        Map<String, String> m = new HashMap<>(Map.of("patrol.devservices.enabled", "true",
                "patrol.connections.analyst.user", "ANALYST_SVC", "patrol.connections.analyst.role", "ANALYST_ROLE",
                "patrol.connections.analyst_eu.user", "ANALYST_SVC", "patrol.connections.analyst_eu.role", "ANALYST_ROLE",
                "patrol.connections.analyst.account", "default", "patrol.connections.analyst_eu.account", "second"));
        assertEquals(List.of(), ConfigValidator.problems(config(m), LaunchMode.TEST));
    }

    /** Real accounts as an operator would write them; the key files need not exist for validation. */
    static Map<String, String> twoAccounts() {
        Map<String, String> m = new HashMap<>(Map.of("patrol.vault.address", "https://vault.example", "patrol.vault.token",
                "s.x", "patrol.snowflake.account", "ACME-PROD", "patrol.snowflake.user", "PATROL_ROTATOR",
                "patrol.snowflake.role", "PATROL_ROTATOR_ROLE", "patrol.snowflake.private-key-file", "/keys/prod.p8"));
        m.putAll(Map.of("patrol.accounts.eu.account", "ACME-EU", "patrol.accounts.eu.user", "PATROL_ROTATOR",
                "patrol.accounts.eu.role", "PATROL_ROTATOR_ROLE", "patrol.accounts.eu.private-key-file", "/keys/eu.p8"));
        m.putAll(Map.of("patrol.connections.analyst.account", "default", "patrol.connections.analyst.user", "ANALYST_CLI",
                "patrol.connections.analyst.role", "ANALYST_CLI_ROLE", "patrol.connections.analyst_eu.account", "eu",
                "patrol.connections.analyst_eu.user", "ANALYST_CLI", "patrol.connections.analyst_eu.role", "ANALYST_CLI_ROLE"));
        return m;
    }

    @Test
    void severalAccountsAreValidatedTogether() {
        assertEquals(List.of(), ConfigValidator.problems(config(twoAccounts()), LaunchMode.NORMAL));

        Map<String, String> m = twoAccounts();
        m.remove("patrol.connections.analyst.account");
        m.put("patrol.connections.analyst_eu.account", "apac");
        m.put("patrol.accounts.dup.account", "acme-eu");
        m.put("patrol.accounts.Bad.url", "http://snowflake.example:8080");
        m.put("patrol.accounts.default.account", "ACME-OTHER");
        List<String> problems = ConfigValidator.problems(config(m), LaunchMode.NORMAL);
        String all = String.join("\n", problems);
        for (String expected : List.of(
                "patrol.connections.analyst.account is required: patrol manages several accounts",
                "patrol.connections.analyst_eu.account is 'apac', which is not a configured account",
                "the accounts dup, eu name the same Snowflake account (ACME-EU)",
                "patrol.accounts.Bad: account ids must match",
                "patrol.accounts.Bad.url http://snowflake.example:8080 is plain http",
                "patrol.accounts.dup.user is required", "patrol.accounts.dup.private-key-file is required",
                "the account 'default' is configured twice")) {
            assertTrue(all.contains(expected), () -> "missing '" + expected + "' in:\n" + all);
        }
    }

    /** A URL refused for plain http is named without what could be a credential in it. */
    @Test
    void aRefusedUrlIsShownWithoutItsUserInfoPathOrQuery() {
        Map<String, String> m = twoAccounts();
        m.put("patrol.accounts.eu.url", "http://svc:hunter2@snowflake.example:8080/x?token=abc");
        m.put("patrol.vault.address", "http://root:s3cret@vault.example:8200/v1?x-vault-token=hvs.abc");
        String all = String.join("\n", ConfigValidator.problems(config(m), LaunchMode.NORMAL));
        assertTrue(all.contains("patrol.accounts.eu.url http://snowflake.example:8080 is plain http"), all);
        assertTrue(all.contains("patrol.vault.address http://vault.example:8200 is plain http"), all);
        for (String secret : List.of("hunter2", "s3cret", "abc", "svc:", "root:"))
            assertFalse(all.contains(secret), () -> secret + " shown in:\n" + all);
    }

    /** Snowflake routes by host, so two identifiers at one address are one account managed twice. */
    @Test
    void twoAccountsAtOneEndpointAreRefusedWhateverTheirIdentifiers() {
        Map<String, String> m = twoAccounts();
        m.put("patrol.accounts.eu.url", "HTTPS://acme-prod.snowflakecomputing.com:443/");
        String all = String.join("\n", ConfigValidator.problems(config(m), LaunchMode.NORMAL));
        assertTrue(all.contains("the accounts default, eu reach the same Snowflake endpoint "
                + "(https://acme-prod.snowflakecomputing.com:443)"), all);

        m.put("patrol.snowflake.url", "https://snowflake.proxy.example:8443");
        m.put("patrol.accounts.eu.url", "https://Snowflake.Proxy.example:8443");
        all = String.join("\n", ConfigValidator.problems(config(m), LaunchMode.NORMAL));
        assertTrue(all.contains("the accounts default, eu reach the same Snowflake endpoint "
                + "(https://snowflake.proxy.example:8443)"), all);

        m.put("patrol.accounts.eu.url", "https://snowflake.proxy.example:9443");
        assertEquals(List.of(), ConfigValidator.problems(config(m), LaunchMode.NORMAL), "another port is another endpoint");
    }

    /**
     * One endpoint in other spellings is still one endpoint: a trailing dot (the DNS root), an IPv6 literal written out or
     * short, '-' for an account name's '_' (Snowflake answers under either).
     */
    @Test
    void oneEndpointInAnotherSpellingIsStillOneEndpoint() {
        for (String[] same : List.of(
                new String[] { null, "https://acme-prod.snowflakecomputing.com." },
                new String[] { "https://ACME-PROD.snowflakecomputing.com.:443", "https://acme-prod.snowflakecomputing.com" },
                new String[] { "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]:8080" },
                new String[] { "http://127.0.0.1:8080", "http://[::ffff:127.0.0.1]:8080" })) {
            Map<String, String> m = twoAccounts();
            if (same[0] != null)
                m.put("patrol.snowflake.url", same[0]);
            m.put("patrol.accounts.eu.url", same[1]);
            String all = String.join("\n", ConfigValidator.problems(config(m), LaunchMode.NORMAL));
            assertTrue(all.contains("the accounts default, eu reach the same Snowflake endpoint"), same[1] + ":\n" + all);
        }
        Map<String, String> m = twoAccounts();
        m.put("patrol.snowflake.account", "ACME-PROD_EU");
        m.put("patrol.accounts.eu.url", "https://acme-prod-eu.snowflakecomputing.com");
        String all = String.join("\n", ConfigValidator.problems(config(m), LaunchMode.NORMAL));
        assertTrue(all.contains("the accounts default, eu reach the same Snowflake endpoint "
                + "(https://acme-prod-eu.snowflakecomputing.com:443)"), all);
    }

    /**
     * A URL without a host patrol can read (a host name with '_', no '//', no host, no scheme, a space) was skipped by the
     * endpoint check and, where it said https, passed start-up: patrol's client then connected to the host "null". Each
     * is refused by name, without echoing the value (it may hold a password), and not as "plain http".
     */
    @Test
    void aSnowflakeUrlWithoutAHostIsRefusedAtStartUp() {
        for (String url : List.of("https://acme_prod.snowflakecomputing.com", "https:acme-prod.snowflakecomputing.com",
                "https:///path", "acme-prod.snowflakecomputing.com", "https://u:hunter2@exa mple.com",
                "ftp://acme-prod.snowflakecomputing.com", "https://acme-prod.snowflakecomputing.com:70000")) {
            Map<String, String> m = twoAccounts();
            m.put("patrol.accounts.eu.url", url);
            List<String> problems = ConfigValidator.problems(config(m), LaunchMode.NORMAL);
            assertEquals(List.of("patrol.accounts.eu.url is not an http or https URL with a host name and port patrol can "
                    + "use, such as https://<account>.snowflakecomputing.com (a host name cannot contain '_'; Snowflake "
                    + "accepts '-' in its place)"), problems, url);
        }
    }

    @Test
    void aSingleAccountNeedsNoAccountOnItsConnections() {
        Map<String, String> m = twoAccounts();
        m.keySet().removeIf(k -> k.startsWith("patrol.accounts.") || k.contains("analyst_eu"));
        m.remove("patrol.connections.analyst.account");
        assertEquals(List.of(), ConfigValidator.problems(config(m), LaunchMode.NORMAL));
        // only patrol.accounts: the one account there is, whatever its id
        Map<String, String> only = twoAccounts();
        only.keySet().removeIf(k -> k.startsWith("patrol.snowflake.") || k.startsWith("patrol.connections.analyst."));
        only.remove("patrol.connections.analyst_eu.account");
        assertEquals(List.of(), ConfigValidator.problems(config(only), LaunchMode.NORMAL));
    }

    @Test
    void devServicesRefuseARealAccountUnderAnyId() {
        String all = String.join("\n", ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.accounts.eu.account", "ACME-EU")), LaunchMode.TEST));
        assertTrue(all.contains("together with real Snowflake or Vault settings (patrol.accounts.eu)"), all);
    }

    @Test
    void theCallerCacheTtlIsBounded() {
        for (String bad : List.of("-1s", "6m")) {
            String all = String.join("\n", ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                    "patrol.vault.caller-cache-ttl", bad)), LaunchMode.TEST));
            assertTrue(all.contains("patrol.vault.caller-cache-ttl is"), all);
        }
        assertEquals(List.of(), ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.vault.caller-cache-ttl", "0s")), LaunchMode.TEST));
    }

    @Test
    void aSharedUserWithABadNameIsNotEchoed() {
        String bad = "X\"; DROP USER ADMIN; --";
        String all = String.join("\n", ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.connections.one.user", bad, "patrol.connections.one.role", "R",
                "patrol.connections.two.user", bad, "patrol.connections.two.role", "R", "patrol.connections.one.account",
                "second",
                "patrol.connections.two.account", "second")), LaunchMode.TEST));
        assertTrue(all.contains("patrol.connections one, two share one Snowflake user;"), all);
        assertFalse(all.contains("DROP USER"), all);
    }

    @Test
    void driftActionsAreChecked() {
        String all = String.join("\n", ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.drift.actions.foreign-token", "remove", "patrol.drift.actions.extra-roles", "remove",
                "patrol.drift.actions.bogus", "report")), LaunchMode.TEST));
        assertTrue(all.contains("patrol.drift.actions.extra-roles: only token findings"), all);
        assertTrue(all.contains("patrol.drift.actions.bogus: unknown finding"), all);
        assertTrue(!all.contains("patrol.drift.actions.foreign-token"), all);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> config(Map.of("patrol.drift.actions.unrestricted-token", "explode")).drift().actions());
        assertTrue(e.getMessage().contains("patrol.drift.actions.unrestricted-token"), e.getMessage());
    }

    @Test
    void devServicesNeverRunNextToRealSettings() {
        // Even loopback addresses: with dev services on, any Snowflake or Vault setting would be ignored or mixed in.
        List<String> problems = ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true",
                "patrol.snowflake.account", "ACME-PROD", "patrol.vault.address", "http://localhost:8200",
                "patrol.vault.token", "s.real")), LaunchMode.DEVELOPMENT);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("patrol.snowflake.account, patrol.vault.address, patrol.vault.token"),
                problems.get(0));
    }

    @Test
    void theProductionBuildRefusesDevServices() {
        String all = String.join("\n",
                ConfigValidator.problems(config(Map.of("patrol.devservices.enabled", "true")), LaunchMode.NORMAL));
        assertTrue(all.contains("this production build contains no emulators"), all);
    }

    @Test
    void plainHttpOnlyToLoopback() {
        Map<String, String> real = new HashMap<>(Map.of("patrol.snowflake.account", "ACME-PROD", "patrol.snowflake.user",
                "PATROL_ROTATOR",
                "patrol.snowflake.role", "PATROL_ROTATOR_ROLE", "patrol.snowflake.private-key-file", "/etc/patrol/rotator.p8",
                "patrol.vault.token", "s.x"));
        real.put("patrol.snowflake.url", "http://127.0.0.1:8123");
        real.put("patrol.vault.address", "http://localhost:8200");
        assertEquals(List.of(), ConfigValidator.problems(config(real), LaunchMode.NORMAL));
        real.put("patrol.snowflake.url", "http://127.evil.example:8123");
        real.put("patrol.vault.address", "http://vault.example:8200");
        String all = String.join("\n", ConfigValidator.problems(config(real), LaunchMode.NORMAL));
        assertTrue(all.contains("patrol.snowflake.url http://127.evil.example:8123 is plain http"), all);
        assertTrue(all.contains("patrol.vault.address http://vault.example:8200 is plain http"), all);
    }

    @Test
    void loopbackMeansEveryAddressIsLoopback() {
        assertTrue(ConfigValidator.isLoopbackHost("127.0.0.1"));
        assertTrue(ConfigValidator.isLoopbackHost("127.8.9.10"));
        assertTrue(ConfigValidator.isLoopbackHost("[::1]"));
        assertTrue(ConfigValidator.isLoopbackHost("localhost"));
        assertFalse(ConfigValidator.isLoopbackHost("127.evil.example"));
        assertFalse(ConfigValidator.isLoopbackHost("10.0.0.1"));
        assertFalse(ConfigValidator.isLoopbackHost("0.0.0.0"));
    }

    @Test
    void unknownStrategyOrAuthMethodIsRefusedByName() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> config(Map.of("patrol.rotation.strategy", "shuffle")).rotation().strategy());
        assertTrue(e.getMessage().contains("patrol.rotation.strategy"), e.getMessage());
        assertEquals(PatrolConfig.Rotation.Strategy.ADD_REMOVE,
                config(Map.of("patrol.rotation.strategy", "add-remove")).rotation().strategy());
        e = assertThrows(RuntimeException.class,
                () -> config(Map.of("patrol.vault.auth.method", "ldap")).vault().auth().method());
        assertTrue(e.getMessage().contains("patrol.vault.auth.method"), e.getMessage());
    }

    @Test
    void intervals() {
        assertEquals(Duration.ofMinutes(5), ConfigValidator.parseInterval("5m"));
        assertEquals(Duration.ofSeconds(90), ConfigValidator.parseInterval("PT90S"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValidator.parseInterval("5 minutes"));
    }
}
