package dev.patrol.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * patrol's whole configuration. Every key also works as an environment variable, e.g.
 * {@code PATROL_VAULT_ADDRESS}. The README's configuration reference is kept in sync with this
 * interface by a test.
 */
@ConfigMapping(prefix = "patrol")
public interface PatrolConfig {

    /**
     * The account {@code default}, for a deployment that manages one account (and for configuration written before
     * {@code patrol.accounts}).
     */
    Snowflake snowflake();

    /**
     * Further Snowflake accounts by id ({@code [a-z][a-z0-9_-]{0,62}}), each with the same keys as
     * {@code patrol.snowflake}; connections name theirs with {@code patrol.connections.<name>.account}.
     */
    Map<String, Snowflake> accounts();

    Vault vault();

    Rotation rotation();

    /** Registered CLI connections by name ({@code [a-z][a-z0-9_-]{0,62}}). */
    Map<String, Connection> connections();

    Devservices devservices();

    Drift drift();

    Posture posture();

    interface Posture {
        /**
         * A role of the rotator's user to run the posture checks with; reading authentication
         * policies needs more than the rotator's own role. Without it those checks say UNKNOWN.
         */
        Optional<String> role();

        /**
         * How often each replica checks posture on its own, so the {@code patrol_posture_*} gauges (and the alert on them)
         * do not wait for someone to ask; {@code off} leaves only {@code GET /posture}. The first check runs a minute after
         * start.
         */
        @WithDefault("1h")
        String checkEvery();
    }

    interface Drift {
        /**
         * What to do per kind of finding: {@code report} (default), {@code disable} or {@code remove}.
         * Only token findings (foreign-token, unrestricted-token, wrong-role-token) can be acted on.
         */
        Map<String, Action> actions();

        enum Action {
            REPORT,
            DISABLE,
            REMOVE
        }

        /** The kinds of drift finding, as reports, metrics and {@code patrol.drift.actions.<kind>} name them. */
        enum Kind {
            FOREIGN_TOKEN(true),
            UNRESTRICTED_TOKEN(true),
            WRONG_ROLE_TOKEN(true),
            TOKEN_LIMIT(false),
            USER_MISSING(false),
            USER_NOT_SERVICE(false),
            USER_DISABLED(false),
            ROLE_MISSING(false),
            EXTRA_ROLES(false),
            SCAN_FAILED(false);

            private final boolean token;

            Kind(boolean token) {
                this.token = token;
            }

            /** A finding about one token, which can be disabled or removed; the others can only be reported. */
            public boolean token() {
                return token;
            }

            @com.fasterxml.jackson.annotation.JsonValue
            public String key() {
                return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            }

            public static Optional<Kind> ofKey(String key) {
                return java.util.Arrays.stream(values()).filter(k -> k.key().equals(key)).findFirst();
            }
        }
    }

    interface Snowflake {
        /** Account identifier ({@code ORG-ACCOUNT} or locator). */
        Optional<String> account();

        /** Base URL; derived from the account when absent. {@code http://host:port} is allowed for emulators. */
        Optional<String> url();

        /** The rotator's own service user. */
        Optional<String> user();

        /** The rotator's role: holds MODIFY PROGRAMMATIC AUTHENTICATION METHODS on each CLI user, never ACCOUNTADMIN. */
        Optional<String> role();

        /** PKCS#8 PEM private key of the rotator (key-pair login; a PAT session cannot manage PATs). */
        Optional<Path> privateKeyFile();

        Optional<String> privateKeyPassphrase();
    }

    interface Vault {
        Optional<String> address();

        Auth auth();

        /** The token, for auth method {@code token}. */
        Optional<String> token();

        Approle approle();

        Kubernetes kubernetes();

        /** KV v2 mount holding the token records. */
        @WithDefault("secret")
        String kvMount();

        /** Path under the mount; records live at {@code <kv-mount>/data/<path-prefix>/<connection>}. */
        @WithDefault("snowflake-pats")
        String pathPrefix();

        /**
         * How long an answer of {@code sys/capabilities-self} about a caller's token is reused, and so
         * the bound on how long a revoked Vault token, or one whose policy lost a capability, keeps
         * working after the change in Vault. A refusal is reused for half of it at most, so a refusal
         * never outlives a grant. {@code 0s} asks Vault on every request.
         */
        @WithDefault("10s")
        Duration callerCacheTtl();

        interface Auth {
            /** {@code token}, {@code approle} or {@code kubernetes}. */
            @WithDefault("token")
            Method method();

            enum Method {
                TOKEN,
                APPROLE,
                KUBERNETES
            }
        }

        interface Approle {
            Optional<String> roleId();

            /** Read at every login, so the secret id can be rotated without a restart. */
            Optional<Path> secretIdFile();

            @WithDefault("approle")
            String mount();
        }

        interface Kubernetes {
            Optional<String> role();

            /** The service-account token, read at every login (the kubelet rotates it). */
            @WithDefault("/var/run/secrets/kubernetes.io/serviceaccount/token")
            Path jwtFile();

            @WithDefault("kubernetes")
            String mount();
        }
    }

    interface Rotation {
        /** How often the sweep runs; {@code off} disables it. */
        @WithDefault("5m")
        String checkEvery();

        /** A secret older than this is rotated. */
        @WithDefault("7d")
        Duration period();

        /** How long the previous secret stays valid after a rotation (applied in whole hours). */
        @WithDefault("24h")
        Duration grace();

        /** Lifetime of a new PAT in days (Cortex guidance: at most 90). */
        @WithDefault("30")
        int daysToExpiry();

        /** {@code rotate} (Snowflake's native ROTATE) or {@code add-remove}. */
        @WithDefault("rotate")
        Strategy strategy();

        enum Strategy {
            /**
             * {@code ALTER USER ... ROTATE PAT}: the secret changes, the token name stays, the old secret lives on for the
             * grace.
             */
            ROTATE,
            /** A new token under a fresh name, the old one removed after the grace. */
            ADD_REMOVE
        }

        /** How many connections a sweep works on at once (and the size of the rotator's session pool). */
        @WithDefault("8")
        int concurrency();
    }

    interface Connection {
        /** The id of the account the user is in; may be left out while patrol manages a single account. */
        Optional<String> account();

        /** The CLI's TYPE=SERVICE user. */
        String user();

        /** Its single role. */
        String role();

        Optional<String> warehouse();

        Optional<String> database();

        Optional<String> schema();

        /** Per-connection override of {@code patrol.rotation.period}. */
        Optional<Duration> period();

        /** Per-connection override of {@code patrol.rotation.grace}. */
        Optional<Duration> grace();

        /** Per-connection override of {@code patrol.rotation.days-to-expiry}. */
        OptionalInt daysToExpiry();
    }

    interface Devservices {
        /**
         * Start the embedded emulators instead of real Snowflake and Vault ({@code true} in dev and
         * test). Only dev and test builds contain them: the production application refuses to start
         * with this set, and so does any build where a real Snowflake or Vault is also configured.
         */
        @WithDefault("false")
        boolean enabled();

        DevSnowflake snowflake();

        DevVault vault();

        interface DevSnowflake {
            /** Fixed port; 0 picks a free one. */
            @WithDefault("0")
            int port();

            @WithDefault("PATROLDEV")
            String account();

            /**
             * The second emulated account (id {@code second}; the first is {@code default}), seeded by the same
             * {@code setup.sql}.
             */
            @WithDefault("PATROLDEV2")
            String secondAccount();

            /** Fixed port of the second account; 0 picks a free one. */
            @WithDefault("0")
            int secondPort();

            @WithDefault("ADMIN")
            String adminUser();

            @WithDefault("patrol-dev")
            String adminPassword();

            /**
             * Where the emulators write the rotator's private key (PEM, mode 0600), for patrol processes started separately.
             */
            Optional<Path> rotatorKeyFile();
        }

        interface DevVault {
            /** Fixed port; 0 picks a free one. */
            @WithDefault("0")
            int port();

            /** The emulated Vault's root token; random per start when absent. */
            Optional<String> rootToken();
        }
    }
}
