package dev.patrol.snowflake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.patrol.config.PatrolConfig;

/**
 * Every Snowflake account patrol manages, by id: where it is and how the rotator logs in. Production
 * reads them from configuration; dev and test builds replace them with the emulated accounts.
 */
public record AccountLogins(List<AccountLogin> all) {

    /** The id of the account {@code patrol.snowflake.*} configures. */
    public static final String DEFAULT = "default";
    /** The accounts dev services emulate, by id. */
    public static final List<String> EMULATED = List.of(DEFAULT, "second");

    public record AccountLogin(String id, SnowflakeEndpoint endpoint, RotatorLogin rotator) {
    }

    public AccountLogins {
        all = List.copyOf(all);
    }

    /**
     * From {@code patrol.snowflake.*} and {@code patrol.accounts.*}; start-up validation has already named anything missing.
     */
    public static AccountLogins fromConfig(PatrolConfig config) {
        List<AccountLogin> out = new ArrayList<>();
        configured(config).forEach((id, sf) -> {
            String prefix = keyPrefix(config, id);
            out.add(new AccountLogin(id, SnowflakeEndpoint.fromConfig(prefix, sf), RotatorLogin.fromConfig(prefix, sf)));
        });
        return new AccountLogins(out);
    }

    /**
     * The configured accounts by id: {@code default} from {@code patrol.snowflake.*} when any of its keys is set (or when no
     * account is configured at all, so that its missing keys are named), then {@code patrol.accounts.*} in id order.
     */
    public static Map<String, PatrolConfig.Snowflake> configured(PatrolConfig config) {
        Map<String, PatrolConfig.Snowflake> out = new LinkedHashMap<>();
        if (anySet(config.snowflake()) || config.accounts().isEmpty())
            out.put(DEFAULT, config.snowflake());
        new TreeMap<>(config.accounts()).forEach(out::putIfAbsent);
        return out;
    }

    /** Where an account's keys are: {@code patrol.snowflake} for {@code default} unless it is under {@code patrol.accounts}. */
    public static String keyPrefix(PatrolConfig config, String id) {
        boolean legacy = id.equals(DEFAULT) && (anySet(config.snowflake()) || !config.accounts().containsKey(DEFAULT));
        return legacy ? "patrol.snowflake" : "patrol.accounts." + id;
    }

    public static boolean anySet(PatrolConfig.Snowflake sf) {
        return sf.account().isPresent() || sf.url().isPresent() || sf.user().isPresent() || sf.role().isPresent()
                || sf.privateKeyFile().isPresent() || sf.privateKeyPassphrase().isPresent();
    }
}
