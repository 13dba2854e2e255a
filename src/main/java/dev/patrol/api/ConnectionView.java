package dev.patrol.api;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.patrol.registry.Connection;
import dev.patrol.rotation.ConnectionState;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;

/** A connection's state as the API shows it: never the secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConnectionView(String name, String account, String user, String role, String warehouse,
        @JsonProperty("has_secret") boolean hasSecret,
        @JsonProperty("token_name") String tokenName, Long version, @JsonProperty("created_at") String createdAt,
        @JsonProperty("expires_at") String expiresAt, boolean suspended,
        @JsonProperty("suspended_reason") String suspendedReason,
        @JsonProperty("blocked_reason") String blockedReason, @JsonProperty("change_pending") boolean changePending) {

    static ConnectionView of(Connection c, Optional<Versioned<TokenRecord>> record, ConnectionState state) {
        Versioned<TokenRecord> r = record.orElse(null);
        return new ConnectionView(c.name(), c.account(), c.user(), c.role(), c.warehouse().orElse(null), r != null,
                r == null ? null : r.value().tokenName(), r == null ? null : r.version(),
                r == null ? null : r.value().createdAt().toString(), r == null ? null : r.value().expiresAt().toString(),
                state.suspended(), state.suspended() ? state.suspension().reason() : null,
                state.blocked() == null ? null : state.blocked().reason(), state.intent().isPresent());
    }
}
