package dev.patrol.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.inject.Inject;

import dev.patrol.registry.Connection;
import dev.patrol.snowflake.AccountLogins;
import dev.patrol.snowflake.Identifiers;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * Refuses to start on an inconsistent configuration, naming every problem at once,
 * before anything else starts (dev services included).
 */
@Startup(ObserverMethod.DEFAULT_PRIORITY - 100)
@ApplicationScoped
public class ConfigValidator {

    /** A revoked caller token keeps working for up to caller-cache-ttl: keep that short. */
    static final Duration MAX_CALLER_CACHE_TTL = Duration.ofMinutes(5);

    @Inject
    PatrolConfig config;

    @PostConstruct
    void validate() {
        List<String> problems = problems(config, LaunchMode.current());
        if (!problems.isEmpty()) {
            throw new ConfigurationException("patrol configuration is inconsistent:\n  - " + String.join("\n  - ", problems));
        }
    }

    static List<String> problems(PatrolConfig config, LaunchMode launchMode) {
        List<String> problems = new ArrayList<>();
        PatrolConfig.Rotation r = config.rotation();
        interval("patrol.rotation.check-every", r.checkEvery(), problems);
        interval("patrol.posture.check-every", config.posture().checkEvery(), problems);
        lifetime("patrol.rotation", r.period(), r.grace(), r.daysToExpiry(), problems);
        for (Map.Entry<String, PatrolConfig.Connection> e : config.connections().entrySet()) {
            PatrolConfig.Connection c = e.getValue();
            String prefix = "patrol.connections." + e.getKey();
            if (!Connection.NAME.matcher(e.getKey()).matches()) {
                problems.add(prefix + ": connection names must match " + Connection.NAME.pattern());
            }
            identifier(prefix + ".user", Optional.of(c.user()), problems);
            identifier(prefix + ".role", Optional.of(c.role()), problems);
            identifier(prefix + ".warehouse", c.warehouse(), problems);
            identifier(prefix + ".database", c.database(), problems);
            identifier(prefix + ".schema", c.schema(), problems);
            if (Set.of("ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN", "ORGADMIN")
                    .contains(c.role().toUpperCase(java.util.Locale.ROOT))) {
                problems.add(prefix + ".role is " + c.role() + "; a CLI connection must not run as a system admin role");
            }
            lifetime("patrol.connections." + e.getKey(), c.period().orElse(r.period()), c.grace().orElse(r.grace()),
                    c.daysToExpiry().orElse(r.daysToExpiry()), problems);
        }
        Set<String> accountIds = config.devservices().enabled() ? Set.copyOf(AccountLogins.EMULATED)
                : AccountLogins.configured(config).keySet();
        accounts(config, accountIds, problems);
        collisions(config, accountIds, problems);
        Duration callerTtl = config.vault().callerCacheTtl();
        if (callerTtl.isNegative() || callerTtl.compareTo(MAX_CALLER_CACHE_TTL) > 0) {
            problems.add(
                    "patrol.vault.caller-cache-ttl is " + callerTtl + "; expected 0s to " + MAX_CALLER_CACHE_TTL.toMinutes()
                            + "m (a revoked Vault token keeps working for up to this long)");
        }
        if (config.rotation().concurrency() < 1 || config.rotation().concurrency() > 64) {
            problems.add("patrol.rotation.concurrency is " + config.rotation().concurrency() + "; expected 1 to 64");
        }
        config.drift().actions().forEach((key, action) -> {
            Optional<PatrolConfig.Drift.Kind> kind = PatrolConfig.Drift.Kind.ofKey(key)
                    .filter(k -> k != PatrolConfig.Drift.Kind.SCAN_FAILED);
            if (kind.isEmpty()) {
                problems.add("patrol.drift.actions." + key + ": unknown finding; expected one of "
                        + java.util.Arrays.stream(PatrolConfig.Drift.Kind.values())
                                .filter(k -> k != PatrolConfig.Drift.Kind.SCAN_FAILED).map(PatrolConfig.Drift.Kind::key)
                                .toList());
            } else if (action != PatrolConfig.Drift.Action.REPORT && !kind.get().token()) {
                problems.add("patrol.drift.actions." + key + ": only token findings can be disabled or removed");
            }
        });
        if (config.devservices().enabled()) {
            devServices(config, launchMode, problems);
        } else {
            required(config, problems);
        }
        AccountLogins.configured(config).forEach((id, sf) -> sf.url().ifPresent(u -> {
            String key = AccountLogins.keyPrefix(config, id) + ".url";
            // not echoed: a URL patrol cannot read may hold anything, a password among it
            if (snowflakeUrl(u).isEmpty()) {
                problems.add(key + " is not an http or https URL with a host name and port patrol can use, such as "
                        + "https://<account>.snowflakecomputing.com (a host name cannot contain '_'; Snowflake accepts '-' "
                        + "in its place)");
            } else if (!secureOrLoopback(u)) {
                problems.add(
                        key + " " + shown(u) + " is plain http to a host that is not loopback; secrets would travel in clear");
            }
        }));
        config.vault().address().filter(u -> !secureOrLoopback(u))
                .ifPresent(u -> problems.add("patrol.vault.address " + shown(u)
                        + " is plain http to a host that is not loopback; tokens would travel in clear"));
        return problems;
    }

    /**
     * The accounts: ids usable as names, each account's keys (unless dev services provide them), no
     * account configured twice (as {@code patrol.snowflake} and {@code patrol.accounts.default}, or two
     * ids for one account identifier, whose tokens patrol would then manage twice), and every
     * connection in exactly one known account.
     */
    private static void accounts(PatrolConfig config, Set<String> ids, List<String> problems) {
        for (String id : config.accounts().keySet()) {
            if (!Connection.NAME.matcher(id).matches())
                problems.add("patrol.accounts." + id + ": account ids must match " + Connection.NAME.pattern());
        }
        if (config.accounts().containsKey(AccountLogins.DEFAULT) && AccountLogins.anySet(config.snowflake())) {
            problems.add("the account 'default' is configured twice, as patrol.snowflake.* and as patrol.accounts.default.*; "
                    + "keep one");
        }
        if (!config.devservices().enabled()) {
            Map<String, List<String>> byIdentifier = new java.util.TreeMap<>();
            Map<String, List<String>> byEndpoint = new java.util.TreeMap<>();
            AccountLogins.configured(config).forEach((id, sf) -> {
                String prefix = AccountLogins.keyPrefix(config, id);
                required(prefix, sf, problems);
                sf.user().ifPresent(u -> identifier(prefix + ".user", Optional.of(u), problems));
                sf.role().ifPresent(r -> identifier(prefix + ".role", Optional.of(r), problems));
                sf.account().ifPresent(a -> byIdentifier
                        .computeIfAbsent(a.toUpperCase(java.util.Locale.ROOT), k -> new ArrayList<>()).add(id));
                sf.account().flatMap(a -> endpoint(a, sf.url()))
                        .ifPresent(e -> byEndpoint.computeIfAbsent(e, k -> new ArrayList<>()).add(id));
            });
            byIdentifier.forEach((identifier, same) -> {
                if (same.size() > 1) {
                    problems.add("the accounts " + String.join(", ", same) + " name the same Snowflake account (" + identifier
                            + "); configure each account once");
                }
            });
            // Snowflake routes by host: two identifiers at one URL are one account, whatever they are called
            byEndpoint.forEach((endpoint, same) -> {
                if (same.size() > 1 && byIdentifier.values().stream().noneMatch(same::equals)) {
                    problems.add("the accounts " + String.join(", ", same) + " reach the same Snowflake endpoint (" + endpoint
                            + "); configure each account once");
                }
            });
        }
        new java.util.TreeMap<>(config.connections()).forEach((name, c) -> {
            String prefix = "patrol.connections." + name + ".account";
            if (c.account().isPresent() && !ids.contains(c.account().get())) {
                problems.add(prefix + " is '" + c.account().get() + "', which is not a configured account; expected one of "
                        + new java.util.TreeSet<>(ids));
            } else if (c.account().isEmpty() && ids.size() > 1) {
                problems.add(prefix + " is required: patrol manages several accounts " + new java.util.TreeSet<>(ids));
            }
        });
    }

    /**
     * Connections whose token names are equal once upper-cased with {@code -} as {@code _}, or that
     * share one Snowflake user in one account, would claim or remove each other's tokens: one problem
     * per group, naming its connections (and the user only when it is a plain identifier, never
     * echoing bad input). Users of the same name in different accounts are different users.
     */
    private static void collisions(PatrolConfig config, Set<String> accountIds, List<String> problems) {
        Map<String, List<String>> byToken = new java.util.TreeMap<>();
        Map<List<String>, List<String>> byUser = new java.util.LinkedHashMap<>();
        String only = accountIds.size() == 1 ? accountIds.iterator().next() : "";
        for (Map.Entry<String, PatrolConfig.Connection> e : new java.util.TreeMap<>(config.connections()).entrySet()) {
            String token = dev.patrol.rotation.RotationPlanner.tokenName(e.getKey());
            byToken.computeIfAbsent(token, k -> new ArrayList<>()).add(e.getKey());
            String user = e.getValue().user();
            // unquoted identifiers are case-insensitive in Snowflake: ANALYST and analyst are one user
            String key = Identifiers.isValid(user) ? Identifiers.normalize(user) : user;
            byUser.computeIfAbsent(List.of(e.getValue().account().orElse(only), key), k -> new ArrayList<>()).add(e.getKey());
        }
        byToken.forEach((token, names) -> {
            if (names.size() > 1) {
                problems.add("patrol.connections " + String.join(", ", names) + ": their token names collide (" + token
                        + "); connection names must differ after upper-casing and '-' to '_'");
            }
        });
        byUser.forEach((accountAndUser, names) -> {
            String user = accountAndUser.get(1);
            if (names.size() > 1) {
                problems.add("patrol.connections " + String.join(", ", names) + " share one Snowflake user"
                        + (Identifiers.isValid(user) ? " (" + user + ")" : "")
                        + "; each connection needs its own user, since patrol removes the tokens it owns on it");
            }
        });
    }

    private static void identifier(String key, Optional<String> value, List<String> problems) {
        value.filter(v -> !Identifiers.isValid(v)).ifPresent(v -> problems.add(key + " is not a plain Snowflake identifier"
                + " (letters, digits, _ and $, starting with a letter or _)"));
    }

    /**
     * Where an account's sessions go, as {@code scheme://host:port} (see {@link #host}): its URL, or Snowflake's
     * {@code https://<account>.snowflakecomputing.com}; empty for a URL that is reported as malformed.
     */
    private static Optional<String> endpoint(String account, Optional<String> url) {
        if (url.isEmpty())
            return Optional.of("https://" + host(account + ".snowflakecomputing.com") + ":443");
        return snowflakeUrl(url.get()).map(u -> {
            String scheme = u.getScheme().toLowerCase(java.util.Locale.ROOT);
            int port = u.getPort() > 0 ? u.getPort() : scheme.equals("http") ? 80 : 443;
            return scheme + "://" + host(u.getHost()) + ":" + port;
        });
    }

    /**
     * The URL as patrol's Snowflake client reads it (scheme, host, port), when it has all of them: http or https, a host
     * name {@link URI} can read (not one with '_'), a port from 1 to 65535 or none; empty otherwise.
     */
    static Optional<URI> snowflakeUrl(String url) {
        try {
            URI u = URI.create(url);
            boolean web = "http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme());
            boolean port = u.getPort() == -1 || (u.getPort() >= 1 && u.getPort() <= 65535);
            return web && u.getHost() != null && !u.getHost().isEmpty() && port ? Optional.of(u) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * A host in one spelling per place it names: case ignored, a trailing dot (the DNS root) dropped, '_' read as '-'
     * (Snowflake answers an account name with '_' under either), an IP literal in its canonical form.
     */
    private static String host(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        if (h.endsWith("."))
            h = h.substring(0, h.length() - 1);
        if (h.startsWith("[") && h.endsWith("]")) {
            try {
                InetAddress a = InetAddress.getByName(h); // bracketed: an IPv6 literal or an error, never a lookup
                return a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
            } catch (UnknownHostException e) {
                return h;
            }
        }
        return h.replace('_', '-');
    }

    /** Without dev services, each account needs its identifier and the rotator's credentials. */
    private static void required(String prefix, PatrolConfig.Snowflake sf, List<String> problems) {
        if (sf.account().isEmpty())
            problems.add(prefix + ".account is required (the account identifier, e.g. ORG-ACCOUNT)");
        if (sf.user().isEmpty())
            problems.add(prefix + ".user is required (the rotator's service user)");
        if (sf.role().isEmpty())
            problems.add(prefix + ".role is required (the rotator's role)");
        if (sf.privateKeyFile().isEmpty())
            problems.add(prefix + ".private-key-file is required (key-pair login)");
    }

    /** Without dev services, patrol needs a real Vault with credentials. */
    private static void required(PatrolConfig config, List<String> problems) {
        PatrolConfig.Vault v = config.vault();
        if (v.address().isEmpty())
            problems.add("patrol.vault.address is required");
        switch (v.auth().method()) {
            case TOKEN -> {
                if (v.token().isEmpty())
                    problems.add("patrol.vault.token is required for patrol.vault.auth.method=token");
            }
            case APPROLE -> {
                if (v.approle().roleId().isEmpty())
                    problems.add("patrol.vault.approle.role-id is required for AppRole login");
                if (v.approle().secretIdFile().isEmpty())
                    problems.add("patrol.vault.approle.secret-id-file is required for AppRole login");
            }
            case KUBERNETES -> {
                if (v.kubernetes().role().isEmpty())
                    problems.add("patrol.vault.kubernetes.role is required for Kubernetes login");
            }
        }
    }

    /** A new secret must outlive one rotation period plus the grace its predecessor keeps. */
    private static void lifetime(String prefix, Duration period, Duration grace, int days, List<String> problems) {
        if (days < 1 || days > 365)
            problems.add(prefix + ".days-to-expiry is " + days + "; Snowflake allows 1 to 365");
        if (period.isNegative() || period.isZero())
            problems.add(prefix + ".period must be positive");
        if (grace.isNegative())
            problems.add(prefix + ".grace must not be negative");
        if (grace.toSeconds() % 3600 != 0) {
            problems.add(prefix + ".grace is " + grace + "; it is applied in whole hours (EXPIRE_ROTATED_TOKEN_AFTER_HOURS)");
        }
        if (period.plus(grace).compareTo(Duration.ofDays(days)) >= 0) {
            problems.add(prefix + ": period (" + period + ") + grace (" + grace + ") must be shorter than days-to-expiry ("
                    + days + "d), or a secret would expire before it is rotated");
        }
    }

    /**
     * Dev services exist only in dev and test builds, and never run next to a real system: a
     * configured account, URL, key or Vault credential would otherwise be silently ignored, or
     * worse, used beside an emulator that holds its secrets.
     */
    private static void devServices(PatrolConfig config, LaunchMode launchMode, List<String> problems) {
        if (!launchMode.isDevOrTest()) {
            problems.add("patrol.devservices.enabled=true, but this production build contains no emulators; run them with "
                    + "java -jar patrol-emulators.jar (or ./mvnw quarkus:dev), and point patrol at real systems here");
        }
        List<String> real = new ArrayList<>();
        PatrolConfig.Snowflake sf = config.snowflake();
        PatrolConfig.Vault v = config.vault();
        if (sf.account().isPresent())
            real.add("patrol.snowflake.account");
        if (sf.url().isPresent())
            real.add("patrol.snowflake.url");
        if (sf.user().isPresent())
            real.add("patrol.snowflake.user");
        if (sf.privateKeyFile().isPresent())
            real.add("patrol.snowflake.private-key-file");
        if (sf.privateKeyPassphrase().isPresent())
            real.add("patrol.snowflake.private-key-passphrase");
        new java.util.TreeSet<>(config.accounts().keySet()).forEach(id -> real.add("patrol.accounts." + id));
        if (v.address().isPresent())
            real.add("patrol.vault.address");
        if (v.token().isPresent())
            real.add("patrol.vault.token");
        if (v.approle().roleId().isPresent())
            real.add("patrol.vault.approle.role-id");
        if (v.approle().secretIdFile().isPresent())
            real.add("patrol.vault.approle.secret-id-file");
        if (v.kubernetes().role().isPresent())
            real.add("patrol.vault.kubernetes.role");
        if (!real.isEmpty()) {
            problems.add("patrol.devservices.enabled=true together with real Snowflake or Vault settings ("
                    + String.join(", ", real)
                    + "); dev services never run next to a real account or Vault: turn them off or remove those settings");
        }
    }

    /** https, or http to a loopback host. */
    static boolean secureOrLoopback(String url) {
        try {
            URI u = URI.create(url);
            if ("https".equalsIgnoreCase(u.getScheme()))
                return true;
            return u.getHost() != null && isLoopbackHost(u.getHost());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A host every one of whose addresses is in 127.0.0.0/8 or ::1. Names are resolved, so
     * {@code 127.evil.example} is not loopback however it is spelled; a name that does not resolve is not either.
     */
    public static boolean isLoopbackHost(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            InetAddress[] all = InetAddress.getAllByName(h);
            return all.length > 0 && Arrays.stream(all).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** A scheduler interval of at least 1s, or {@code off}. */
    private static void interval(String key, String value, List<String> problems) {
        if (value.equals("off"))
            return;
        try {
            if (parseInterval(value).compareTo(Duration.ofSeconds(1)) < 0)
                problems.add(key + " must be at least 1s (or 'off')");
        } catch (IllegalArgumentException e) {
            problems.add(key + " is '" + value + "'; expected a duration such as 5m, or 'off'");
        }
    }

    /** A URL as a message may show it: scheme, host and port only (user info, path or query may hold a secret). */
    static String shown(String url) {
        try {
            URI u = URI.create(url.trim());
            if (u.getScheme() != null && u.getHost() != null)
                return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        } catch (IllegalArgumentException e) {
            // not shown at all
        }
        return "(not shown: not a URL patrol can read)";
    }

    /** The scheduler's interval syntax: a number with s, m, h or d, or an ISO-8601 duration. */
    public static Duration parseInterval(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.matches("\\d+(ms|s|m|h|d)")) {
            long n = Long.parseLong(t.replaceAll("\\D", ""));
            return switch (t.replaceAll("\\d", "")) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(text);
        }
    }
}
