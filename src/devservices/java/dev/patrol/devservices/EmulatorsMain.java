package dev.patrol.devservices;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar target/patrol-emulators.jar}: both emulators on their own, configured with the
 * same {@code patrol.devservices.*} settings patrol reads (as {@code -D} system properties or
 * {@code PATROL_DEVSERVICES_*} environment variables), running until stopped. One or more patrol
 * processes can then be pointed at them with real URLs, killed and restarted.
 */
public final class EmulatorsMain {

    private EmulatorsMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Emulators.Settings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            System.err.println("patrol-emulators: " + e.getMessage());
            System.exit(2);
            return;
        }
        Emulators emulators = Emulators.start(settings, new AdjustableClock());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulators.close();
            stopped.countDown();
        }, "patrol-emulators-stop"));
        System.out.println("patrol emulators: for development and tests only, never production.");
        emulators.describe(settings).forEach(System.out::println);
        System.out.println("patrol emulators second snowflake account: " + emulators.secondSnowflake().accountName() + " "
                + emulators.secondSnowflake().url());
        // A stable last line that scripts wait for.
        System.out.println(
                "patrol emulators ready: snowflake " + emulators.snowflake().url() + " vault " + emulators.vault().address());
        System.out.flush();
        stopped.await();
    }

    static Emulators.Settings settings() {
        return new Emulators.Settings(
                port("patrol.devservices.snowflake.port"),
                setting("patrol.devservices.snowflake.account").orElse("PATROLDEV"),
                port("patrol.devservices.snowflake.second-port"),
                setting("patrol.devservices.snowflake.second-account").orElse("PATROLDEV2"),
                setting("patrol.devservices.snowflake.admin-user").orElse("ADMIN"),
                setting("patrol.devservices.snowflake.admin-password").orElse("patrol-dev"),
                setting("patrol.devservices.snowflake.rotator-key-file").map(Path::of),
                port("patrol.devservices.vault.port"),
                setting("patrol.devservices.vault.root-token"));
    }

    /**
     * A system property, else its environment form ({@code PATROL_DEVSERVICES_VAULT_ROOT_TOKEN}), as MicroProfile Config maps
     * them.
     */
    static Optional<String> setting(String key) {
        String value = System.getProperty(key);
        if (value == null)
            value = System.getenv(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static int port(String key) {
        String value = setting(key).orElse("0");
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535)
                throw new NumberFormatException();
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + value + "'; expected a port from 0 to 65535");
        }
    }
}
