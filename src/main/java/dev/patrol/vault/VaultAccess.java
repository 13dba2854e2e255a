package dev.patrol.vault;

import dev.patrol.config.PatrolConfig;

/** Where Vault is and how patrol logs in to it. */
public record VaultAccess(String address, VaultLogin login) {

    /** From {@code patrol.vault.*}; start-up validation has already named anything missing. */
    public static VaultAccess fromConfig(PatrolConfig.Vault v) {
        VaultLogin login = switch (v.auth().method()) {
            case APPROLE -> new VaultLogin.AppRole(v.approle().mount(), v.approle().roleId().orElseThrow(),
                    v.approle().secretIdFile().orElseThrow());
            case KUBERNETES -> new VaultLogin.Kubernetes(v.kubernetes().mount(), v.kubernetes().role().orElseThrow(),
                    v.kubernetes().jwtFile());
            case TOKEN -> new VaultLogin.FixedToken(v.token().orElseThrow());
        };
        return new VaultAccess(v.address().orElseThrow(), login);
    }
}
