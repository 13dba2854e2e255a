package dev.patrol.snowflake;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.snowflake.SnowflakeEmulator;
import dev.patrol.devservices.snowflake.SnowflakeSeed;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Properties;

/**
 * Wires the Snowflake side from configuration, or from the dev-services emulator (with the seeded
 * rotator and its generated key) when dev services run and no account is configured.
 */
@ApplicationScoped
public class SnowflakeBeans {

    @Produces
    @Singleton
    SnowflakeEndpoint endpoint(PatrolConfig config, DevServices dev) {
        PatrolConfig.Snowflake sf = config.snowflake();
        if (sf.account().isEmpty() && sf.url().isEmpty() && dev.snowflake().isPresent()) {
            SnowflakeEmulator e = dev.snowflake().get();
            return new SnowflakeEndpoint(e.accountName(), java.util.Optional.of(e.url()));
        }
        String account = sf.account().orElseThrow(() -> new ConfigurationException("patrol.snowflake.account is required"));
        return new SnowflakeEndpoint(account, sf.url());
    }

    @Produces
    @Singleton
    SnowflakeAdmin snowflakeAdmin(PatrolConfig config, DevServices dev, SnowflakeEndpoint endpoint) {
        return new JdbcSnowflakeAdmin(endpoint.jdbc(), credentials(config, dev, null), config.rotation().concurrency());
    }

    /** The rotator's login (user, key) with its own role, or with {@code role} when given (posture checks). */
    public static Properties credentials(PatrolConfig config, DevServices dev, String role) {
        PatrolConfig.Snowflake sf = config.snowflake();
        Properties creds = new Properties();
        boolean seeded = sf.user().isEmpty() && dev.enabled();
        creds.put("user", Identifiers.normalize(seeded ? SnowflakeSeed.ROTATOR_USER : sf.user().orElseThrow()));
        creds.put("role", Identifiers.normalize(role != null ? role : seeded ? SnowflakeSeed.ROTATOR_ROLE
                : sf.role().orElseThrow(() -> new ConfigurationException("patrol.snowflake.role is required"))));
        if (seeded) {
            creds.put("privateKey", parsePkcs8(dev.rotatorPrivateKeyPem().orElseThrow()));
        } else if (sf.privateKeyPassphrase().isPresent()) {
            // Encrypted keys: the driver decrypts them itself (bundled BouncyCastle, snowflake-pat.md §6).
            creds.put("private_key_file", sf.privateKeyFile().orElseThrow().toString());
            creds.put("private_key_pwd", sf.privateKeyPassphrase().get());
        } else {
            try {
                creds.put("privateKey", parsePkcs8(Files.readString(sf.privateKeyFile().orElseThrow())));
            } catch (IOException e) {
                throw new ConfigurationException("patrol.snowflake.private-key-file cannot be read: " + e.getMessage());
            }
        }
        return creds;
    }

    void close(@Disposes SnowflakeAdmin admin) {
        if (admin instanceof JdbcSnowflakeAdmin jdbc) jdbc.close();
    }

    /** An unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") RSA key. */
    static PrivateKey parsePkcs8(String pem) {
        if (pem.contains("ENCRYPTED")) {
            throw new ConfigurationException("the rotator's private key is encrypted: set patrol.snowflake.private-key-passphrase");
        }
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (Exception e) {
            throw new ConfigurationException("the rotator's private key is not an RSA PKCS#8 PEM key");
        }
    }
}
