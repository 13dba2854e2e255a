package dev.patrol.vault;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LookupResponse;

/** How patrol obtains its own Vault token: a given token, AppRole, or Kubernetes service account. */
public interface VaultLogin {

    /** A token and what Vault said about it. Holds a credential: never logged. */
    record Grant(String token, Duration ttl, boolean renewable) {
        @Override
        public String toString() {
            return "Grant[ttl=" + ttl + ", renewable=" + renewable + "]";
        }
    }

    Grant login(String address, HttpClient http);

    /** Whether logging in again can replace an expired token (a fixed token cannot). */
    boolean canLogInAgain();

    String method();

    static Vault client(String address, HttpClient http, String token) {
        try {
            return Vault.create(new VaultConfig().address(address).token(token).httpClient(http).engineVersion(2).build(), 2);
        } catch (VaultException e) {
            throw new VaultClientException("configure", address, -1, List.of("invalid Vault address"), e);
        }
    }

    /** A credential read from its file at each login (operators and kubelets rotate them). */
    static String credentialFile(Path file, String operation, String what) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new VaultClientException(operation, file.toString(), -1, List.of("cannot read " + what), e);
        }
    }

    interface LoginCall {
        AuthResponse call() throws VaultException;
    }

    static Grant grant(String operation, String path, LoginCall call) {
        try {
            AuthResponse r = call.call();
            return new Grant(r.getAuthClientToken(), Duration.ofSeconds(r.getAuthLeaseDuration()), r.isAuthRenewable());
        } catch (VaultException e) {
            throw failure(operation, path, e);
        }
    }

    static VaultClientException failure(String operation, String path, VaultException e) {
        int status = e.getHttpStatusCode() <= 0 ? -1 : e.getHttpStatusCode();
        return new VaultClientException(operation, path, status,
                status < 0 ? List.of("no answer") : VaultErrors.from(e.getMessage()), e);
    }

    /** A token given by configuration; its TTL and renewability come from {@code lookup-self}. */
    record FixedToken(String token) implements VaultLogin {
        @Override
        public Grant login(String address, HttpClient http) {
            try {
                LookupResponse self = client(address, http, token).auth().lookupSelf();
                return new Grant(token, Duration.ofSeconds(self.getTTL()), self.isRenewable());
            } catch (VaultException e) {
                throw failure("login (token lookup-self)", "auth/token/lookup-self", e);
            }
        }

        @Override
        public boolean canLogInAgain() {
            return false;
        }

        @Override
        public String method() {
            return "token";
        }

        @Override
        public String toString() {
            return "FixedToken[****]";
        }
    }

    /** AppRole; the secret id is read from its file at every login, so operators can rotate it. */
    record AppRole(String mount, String roleId, Path secretIdFile) implements VaultLogin {
        @Override
        public Grant login(String address, HttpClient http) {
            String secretId = credentialFile(secretIdFile, "login (approle)", "the secret-id file");
            return grant("login (approle)", "auth/" + mount + "/login",
                    () -> client(address, http, null).auth().loginByAppRole(mount, roleId, secretId));
        }

        @Override
        public boolean canLogInAgain() {
            return true;
        }

        @Override
        public String method() {
            return "approle";
        }
    }

    /** Kubernetes; the service-account JWT is read from its file at every login (the kubelet rotates it). */
    record Kubernetes(String mount, String role, Path jwtFile) implements VaultLogin {
        @Override
        public Grant login(String address, HttpClient http) {
            String jwt = credentialFile(jwtFile, "login (kubernetes)", "the service-account token");
            return grant("login (kubernetes)", "auth/" + mount + "/login",
                    () -> client(address, http, null).auth().loginByKubernetes(role, jwt, "auth/" + mount));
        }

        @Override
        public boolean canLogInAgain() {
            return true;
        }

        @Override
        public String method() {
            return "kubernetes";
        }
    }
}
