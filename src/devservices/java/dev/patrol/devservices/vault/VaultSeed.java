package dev.patrol.devservices.vault;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Vault emulator's starting state: the operator's own policies from {@code deploy/vault/},
 * loaded unchanged, and one token per audience so the demo and tests can act as each of them.
 */
public final class VaultSeed {

    /** Policy names, as loaded from {@code deploy/vault/<file>.hcl}. */
    public static final List<String> POLICIES = List.of("patrol", "developer", "oncall", "breakglass");

    /** Tokens issued at start, by audience (patrol's own is renewable with a one-hour TTL). */
    public record Tokens(String patrol, String developer, String oncall, String breakglass) {
        @Override
        public String toString() {
            return "Tokens[****]";
        }
    }

    private VaultSeed() {
    }

    public static Tokens apply(VaultEmulator vault) {
        for (String name : POLICIES)
            vault.putPolicy("patrol-" + name, policy(name));
        return new Tokens(vault.createToken(List.of("patrol-patrol"), Duration.ofHours(1), "patrol"),
                vault.createToken(List.of("patrol-developer"), Duration.ofHours(8), "developer"),
                vault.createToken(List.of("patrol-oncall"), Duration.ofHours(8), "oncall"),
                vault.createToken(List.of("patrol-breakglass"), Duration.ofHours(1), "breakglass"));
    }

    public static String policy(String name) {
        String resource = "patrol/vault/" + name + ".hcl";
        try (InputStream in = VaultSeed.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null)
                throw new IllegalStateException(resource + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, String> byAudience(Tokens t) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("developer", t.developer());
        m.put("oncall", t.oncall());
        m.put("breakglass", t.breakglass());
        return m;
    }
}
