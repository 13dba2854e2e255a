package dev.patrol.snowflake;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.patrol.config.PatrolConfig;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The account patrol manages and where it is: the account identifier and, when it is not the
 * default {@code https://<account>.snowflakecomputing.com}, the URL (an emulator's {@code http://host:port}).
 */
public record SnowflakeEndpoint(String account, Optional<String> url) {

    /**
     * From one account's keys ({@code prefix} names them in errors); start-up validation has already named anything missing.
     */
    public static SnowflakeEndpoint fromConfig(String prefix, PatrolConfig.Snowflake sf) {
        String account = sf.account().orElseThrow(() -> new ConfigurationException(prefix + ".account is required"));
        return new SnowflakeEndpoint(account, sf.url());
    }

    public JdbcSnowflakeAdmin.Endpoint jdbc() {
        return JdbcSnowflakeAdmin.Endpoint.of(account, url);
    }

    /**
     * {@code host}, {@code port} and {@code protocol} for a client's connection section, only when a
     * client could not derive them from the account; ports are strings (the JDBC driver rejects a
     * TOML integer).
     */
    public Map<String, String> clientParameters() {
        Map<String, String> m = new LinkedHashMap<>();
        if (url.isEmpty())
            return m;
        URI u = URI.create(url.get());
        String scheme = u.getScheme() == null ? "https" : u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() > 0 ? u.getPort() : scheme.equals("http") ? 80 : 443;
        boolean standard = scheme.equals("https") && port == 443
                && u.getHost().equalsIgnoreCase(account + ".snowflakecomputing.com");
        if (!standard) {
            m.put("host", u.getHost());
            m.put("port", Integer.toString(port));
            m.put("protocol", scheme);
        }
        return m;
    }
}
