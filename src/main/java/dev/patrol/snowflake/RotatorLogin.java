package dev.patrol.snowflake;

import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Properties;

import dev.patrol.config.PatrolConfig;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * How the rotator logs in: its service user, its role and its key pair (never a PAT: a PAT session
 * cannot manage PATs). {@code key} holds the driver's key properties: {@code privateKey} (a parsed
 * key) or {@code private_key_file} with {@code private_key_pwd} for an encrypted one.
 */
public record RotatorLogin(String user, String role, Properties key) {

    public RotatorLogin {
        user = Identifiers.normalize(user);
        role = Identifiers.normalize(role);
        Properties copy = new Properties();
        copy.putAll(key);
        key = copy;
    }

    /**
     * From one account's keys ({@code prefix} names them in errors); start-up validation has already named anything missing.
     */
    public static RotatorLogin fromConfig(String prefix, PatrolConfig.Snowflake sf) {
        String user = sf.user().orElseThrow(() -> new ConfigurationException(prefix + ".user is required"));
        String role = sf.role().orElseThrow(() -> new ConfigurationException(prefix + ".role is required"));
        var file = sf.privateKeyFile()
                .orElseThrow(() -> new ConfigurationException(prefix + ".private-key-file is required"));
        Properties key = new Properties();
        if (sf.privateKeyPassphrase().isPresent()) {
            // Encrypted keys: the driver decrypts them itself with its bundled BouncyCastle.
            key.put("private_key_file", file.toString());
            key.put("private_key_pwd", sf.privateKeyPassphrase().get());
        } else {
            try {
                key.put("privateKey", parsePkcs8(prefix, Files.readString(file)));
            } catch (IOException e) {
                throw new ConfigurationException(prefix + ".private-key-file cannot be read: " + e.getMessage());
            }
        }
        return new RotatorLogin(user, role, key);
    }

    /** A login with an unencrypted PKCS#8 PEM key held in memory. */
    public static RotatorLogin ofPem(String user, String role, String pem) {
        Properties key = new Properties();
        key.put("privateKey", parsePkcs8("patrol.snowflake", pem));
        return new RotatorLogin(user, role, key);
    }

    /** The driver properties for a session of the rotator with its own role. */
    public Properties properties() {
        return withRole(role);
    }

    /** The driver properties for a session of the rotator's user with another of its roles. */
    public Properties withRole(String otherRole) {
        Properties p = new Properties();
        p.putAll(key);
        p.put("user", user);
        p.put("role", Identifiers.normalize(otherRole));
        return p;
    }

    @Override
    public String toString() {
        return "RotatorLogin[user=" + user + ", role=" + role + ", key=****]";
    }

    /** An unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") RSA key. */
    static PrivateKey parsePkcs8(String prefix, String pem) {
        if (pem.contains("ENCRYPTED")) {
            throw new ConfigurationException(
                    "the rotator's private key is encrypted: set " + prefix + ".private-key-passphrase");
        }
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (Exception e) {
            throw new ConfigurationException(prefix + ".private-key-file is not an RSA PKCS#8 PEM key");
        }
    }
}
