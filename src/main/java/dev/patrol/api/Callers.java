package dev.patrol.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;

import dev.patrol.vault.CallerAuthorizer;

/**
 * Authenticates an API caller by their own Vault token ({@code Authorization: Bearer} or
 * {@code X-Vault-Token}) and authorises each operation with {@code sys/capabilities-self} on the
 * path the API names, so access is plain Vault policy. A request without a usable token costs
 * no Vault call; one with a token costs at most one per cache period. A revoked token or a lost
 * capability stops working within {@code caller-cache-ttl} (see {@link CallerAuthorizer}).
 */
@ApplicationScoped
public class Callers {

    /** An authenticated, authorised caller. The token stays here, for this request only. */
    public record Caller(String token, String path) {
        @Override
        public String toString() {
            return "Caller[" + path + "]";
        }
    }

    @Inject
    CallerAuthorizer authorizer;

    public Caller require(HttpHeaders headers, String path, String capability) {
        String token = token(headers);
        CallerAuthorizer.Decision d = authorizer.decide(token, path, capability);
        if (!d.validToken())
            throw ApiException.unauthorized("The Vault token is not valid (unknown, expired or revoked).");
        if (!d.allows(capability)) {
            throw ApiException.forbidden("Your Vault token lacks the '" + capability + "' capability on " + path + ".");
        }
        return new Caller(token, path);
    }

    public String displayName(Caller caller) {
        return authorizer.displayName(caller.token());
    }

    static String token(HttpHeaders headers) {
        String auth = headers.getHeaderString(HttpHeaders.AUTHORIZATION);
        String vault = headers.getHeaderString("X-Vault-Token");
        String token = null;
        if (auth != null && !auth.isBlank()) {
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw ApiException.unauthorized("Use 'Authorization: Bearer <vault token>' or 'X-Vault-Token'.");
            }
            token = auth.substring(7).trim();
        } else if (vault != null) {
            token = vault.trim();
        }
        if (token == null || token.isEmpty()) {
            throw ApiException.unauthorized("Send your Vault token as 'Authorization: Bearer <token>' or 'X-Vault-Token'.");
        }
        if (token.length() > 1024 || !token.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            throw ApiException.unauthorized("The Vault token is malformed.");
        }
        return token;
    }
}
