package dev.patrol.vault;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.quarkus.logging.Log;

/**
 * patrol's own authenticated access to Vault: logs in, renews its token at two thirds of the TTL,
 * and logs in again when renewal fails or the token nears its end. The clients in use are swapped
 * atomically, so callers always hold a working token: there is no gap while a new one is fetched.
 * One shared {@link HttpClient} serves every call.
 */
public final class VaultSession {

    /** The clients for one token: KV v2 view, and a verbatim-path view for metadata and sys/ calls. */
    record Active(VaultLogin.Grant grant, Vault kv, Vault raw, Instant obtained) {
        Instant renewAt() {
            return obtained.plus(grant.ttl().multipliedBy(2).dividedBy(3));
        }

        Instant expiresAt() {
            return obtained.plus(grant.ttl());
        }

        boolean expiring() {
            return !grant.ttl().isZero();
        }
    }

    private final String address;
    private final int mountDepth;
    private final HttpClient http;
    private final VaultLogin login;
    private final Clock clock;
    private final AtomicReference<Active> active = new AtomicReference<>();

    public VaultSession(String address, String kvMount, HttpClient http, VaultLogin login, Clock clock) {
        this.address = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
        this.mountDepth = kvMount.split("/").length;
        this.http = http;
        this.login = login;
        this.clock = clock;
    }

    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String address() {
        return address;
    }

    /** The KV v2 client (engine version 2, paths without {@code data/}). Logs in on first use. */
    public Vault kv() {
        return current().kv();
    }

    /** The verbatim-path client (engine version 1 view) for metadata and {@code sys/} calls. */
    public Vault raw() {
        return current().raw();
    }

    /** A client for someone else's token (a caller's), sharing the HTTP client. */
    public Vault forToken(String token) {
        return build(token, 1);
    }

    private Active current() {
        Active a = active.get();
        if (a == null) {
            synchronized (this) {
                a = active.get();
                if (a == null) {
                    a = activate(login.login(address, http));
                    active.set(a);
                }
            }
        }
        return a;
    }

    private Active activate(VaultLogin.Grant grant) {
        return new Active(grant, build(grant.token(), 2), build(grant.token(), 1), clock.instant());
    }

    private Vault build(String token, int engine) {
        try {
            VaultConfig cfg = new VaultConfig().address(address).token(token).httpClient(http).engineVersion(engine)
                    .prefixPathDepth(mountDepth).openTimeout(5).readTimeout(10).build();
            return Vault.create(cfg, engine);
        } catch (VaultException e) {
            throw new VaultClientException("configure", address, -1, List.of("invalid Vault configuration"), e);
        }
    }

    /**
     * Keeps the token alive; call it periodically (patrol's scheduler does, every few seconds).
     * Renews at two thirds of the TTL; logs in again when renewal fails or is impossible. A failed
     * attempt keeps the current token, which stays valid until it expires.
     */
    public synchronized void maintain() {
        Active a = active.get();
        if (a == null) {
            current();
            return;
        }
        if (!a.expiring() || clock.instant().isBefore(a.renewAt()))
            return;
        if (a.grant().renewable()) {
            try {
                AuthResponse r = a.kv().auth().renewSelf();
                Duration ttl = Duration.ofSeconds(r.getAuthLeaseDuration());
                // Renewal may be capped by the token's max TTL; near that end, log in afresh instead.
                if (ttl.compareTo(a.grant().ttl().dividedBy(3)) > 0 || !login.canLogInAgain()) {
                    active.set(
                            new Active(new VaultLogin.Grant(a.grant().token(), ttl, true), a.kv(), a.raw(), clock.instant()));
                    return;
                }
            } catch (VaultException e) {
                Log.warnf("Vault token renewal failed (HTTP %s); logging in again", e.getHttpStatusCode());
            }
        }
        if (!login.canLogInAgain()) {
            Log.warnf(
                    "patrol's Vault token (method %s) expires at %s and cannot be renewed; configure a renewable token or AppRole",
                    login.method(), a.expiresAt());
            return;
        }
        try {
            active.set(activate(login.login(address, http)));
        } catch (VaultClientException e) {
            Log.warnf("Vault login failed: %s; keeping the current token until %s", e.getMessage(), a.expiresAt());
        }
    }

    /** When the current token is due for renewal (for health and tests). */
    public Instant renewAt() {
        return current().renewAt();
    }
}
