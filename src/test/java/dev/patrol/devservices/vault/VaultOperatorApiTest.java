package dev.patrol.devservices.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.devservices.AdjustableClock;

/**
 * What an operator's {@code vault} CLI sends to the emulator: the calls {@code deploy/vault/setup.sh}
 * makes, then a login with the AppRole it created; and the sys/ endpoints the CLI reads
 * ({@code vault status}, {@code auth list/enable/disable}, {@code kv enable-versioning},
 * {@code path-help}, {@code list}). There is no {@code vault} binary in the build, so the test
 * speaks HTTP as the CLI would: {@code vault write k=v} sends every value as a JSON string.
 */
class VaultOperatorApiTest {

    static final Path DEPLOY = Path.of("deploy/vault");

    final AdjustableClock clock = new AdjustableClock();
    final VaultEmulator vault = VaultEmulator.start("127.0.0.1", 0, "root-token", clock);
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() {
        vault.close();
    }

    record Reply(int status, JsonNode body) {
        String error() {
            return body == null ? "" : body.path("errors").path(0).asText();
        }
    }

    Reply call(String method, String path, String token, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vault.address() + "/v1/" + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (token != null)
            b.header("X-Vault-Token", token);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : json.readTree(r.body()));
    }

    Reply root(String method, String path, Object body) throws Exception {
        return call(method, path, "root-token", body);
    }

    /** setup.sh's AppRole settings, as the CLI sends them (strings), with the loopback CIDR for this test. */
    static Map<String, Object> patrolRole(String cidrs) {
        return Map.of("token_policies", "patrol-patrol", "token_ttl", "1h", "token_max_ttl", "24h", "secret_id_ttl", "2160h",
                "secret_id_num_uses", "0", "secret_id_bound_cidrs", cidrs, "token_bound_cidrs", cidrs);
    }

    @Test
    void setupScriptCallsThenLoginWithItsAppRole() throws Exception {
        String script = Files.readString(DEPLOY.resolve("setup.sh"));
        // The CLI commands whose HTTP calls this test plays; if setup.sh changes them, change the test.
        for (String command : List.of("vault secrets list -format=json", "vault secrets enable -path=secret -version=2 kv",
                "vault policy write", "vault auth list -format=json", "vault auth enable approle",
                "vault write auth/approle/role/patrol",
                "vault read -field=role_id auth/approle/role/patrol/role-id",
                "vault write -f -field=secret_id auth/approle/role/patrol/secret-id")) {
            assertTrue(script.contains(command), "setup.sh runs " + command);
        }

        // vault secrets list | grep '"secret/"' || vault secrets enable -path=secret -version=2 kv
        Reply mounts = root("GET", "sys/mounts", null);
        assertEquals(200, mounts.status());
        if (!mounts.body().path("data").has("secret/")) {
            assertEquals(204,
                    root("POST", "sys/mounts/secret", Map.of("type", "kv", "options", Map.of("version", "2"))).status());
        }
        assertEquals("2",
                root("GET", "sys/mounts", null).body().path("data").path("secret/").path("options").path("version").asText());

        // vault policy write patrol-<name> <name>.hcl, for every policy file
        List<Path> hcl;
        try (Stream<Path> files = Files.list(DEPLOY)) {
            hcl = files.filter(f -> f.toString().endsWith(".hcl")).sorted().toList();
        }
        assertEquals(4, hcl.size(), "patrol, developer, oncall, breakglass");
        for (Path f : hcl) {
            String name = "patrol-" + f.getFileName().toString().replace(".hcl", "");
            assertEquals(204, root("PUT", "sys/policies/acl/" + name, Map.of("policy", Files.readString(f))).status(), name);
        }

        // vault auth list | grep '"approle/"' || vault auth enable approle
        Reply auths = root("GET", "sys/auth", null);
        assertEquals(200, auths.status());
        assertTrue(auths.body().path("data").has("token/"));
        assertFalse(auths.body().path("data").has("approle/"), "a fresh Vault has only token/");
        assertEquals(204,
                root("POST", "sys/auth/approle", Map.of("type", "approle", "description", "", "config", Map.of())).status());

        // vault write auth/approle/role/patrol ...; vault read -field=role_id ...; vault write -f -field=secret_id ...
        assertEquals(204, root("POST", "auth/approle/role/patrol", patrolRole("127.0.0.0/8")).status());
        Reply role = root("GET", "auth/approle/role/patrol", null);
        assertEquals(7_776_000, role.body().path("data").path("secret_id_ttl").asLong(), "90 days");
        assertEquals("[\"127.0.0.0/8\"]", role.body().path("data").path("token_bound_cidrs").toString());
        String roleId = root("GET", "auth/approle/role/patrol/role-id", null).body().path("data").path("role_id").asText();
        Reply secret = root("POST", "auth/approle/role/patrol/secret-id", null);
        assertEquals(200, secret.status());
        assertEquals(7_776_000, secret.body().path("data").path("secret_id_ttl").asLong());
        String secretId = secret.body().path("data").path("secret_id").asText();

        // patrol logs in with the AppRole and works within patrol.hcl, and only there
        Reply login = call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", secretId));
        assertEquals(200, login.status());
        assertEquals("[\"default\",\"patrol-patrol\"]", login.body().path("auth").path("policies").toString());
        assertEquals(3600, login.body().path("auth").path("lease_duration").asInt());
        String token = login.body().path("auth").path("client_token").asText();
        Map<String, Object> record = Map.of("data", Map.of("token", "pat-1"), "options", Map.of("cas", 0));
        assertEquals(200, call("POST", "secret/data/snowflake-pats/analyst_cli", token, record).status());
        assertEquals("pat-1", call("GET", "secret/data/snowflake-pats/analyst_cli", token, null).body().path("data")
                .path("data").path("token").asText());
        assertEquals(200, call("POST", "secret/data/snowflake-pats-state/analyst_cli", token, record).status());
        assertEquals(200, call("LIST", "secret/metadata/snowflake-pats", token, null).status());
        assertEquals(200, call("GET", "secret/metadata/snowflake-pats/analyst_cli", token, null).status());
        assertEquals(204,
                call("POST", "secret/destroy/snowflake-pats/analyst_cli", token, Map.of("versions", List.of(1))).status());
        assertEquals(200, call("POST", "auth/token/renew-self", token, Map.of()).status());

        assertEquals(403, call("GET", "secret/data/other/x", token, null).status());
        assertEquals(403, call("POST", "secret/data/other/x", token, record).status());
        assertEquals(403, call("DELETE", "secret/metadata/snowflake-pats/analyst_cli", token, null).status(),
                "patrol never deletes metadata");
        assertEquals(403, call("PUT", "sys/policies/acl/patrol-patrol", token, Map.of("policy", "")).status());
        assertEquals(403, call("POST", "auth/approle/role/patrol/secret-id", token, null).status());
        assertEquals(403, call("GET", "sys/auth", token, null).status());

        // setup.sh is idempotent: a second run finds everything in place and enabling again is refused
        assertTrue(root("GET", "sys/auth", null).body().path("data").has("approle/"));
        Reply again = root("POST", "sys/auth/approle", Map.of("type", "approle"));
        assertEquals(400, again.status());
        assertEquals("path is already in use at approle/", again.error());
        assertEquals(204, root("POST", "auth/approle/role/patrol", patrolRole("127.0.0.0/8")).status());
        assertEquals(roleId,
                root("GET", "auth/approle/role/patrol/role-id", null).body().path("data").path("role_id").asText());
    }

    @Test
    void secretIdTtlUsesAndCidrBinding() throws Exception {
        root("POST", "sys/auth/approle", Map.of("type", "approle"));
        vault.putPolicy("p", "path \"secret/data/*\" { capabilities = [\"read\"] }");
        root("POST", "auth/approle/role/r", Map.of("token_policies", "p", "secret_id_ttl", "24h", "secret_id_num_uses", "2"));
        String roleId = root("GET", "auth/approle/role/r/role-id", null).body().path("data").path("role_id").asText();
        String secretId = root("POST", "auth/approle/role/r/secret-id", null).body().path("data").path("secret_id").asText();
        Map<String, String> creds = Map.of("role_id", roleId, "secret_id", secretId);
        assertEquals(200, call("POST", "auth/approle/login", null, creds).status());
        assertEquals(200, call("POST", "auth/approle/login", null, creds).status());
        assertEquals("invalid role or secret ID", call("POST", "auth/approle/login", null, creds).error(),
                "two uses, then spent");

        String expiring = root("POST", "auth/approle/role/r/secret-id", null).body().path("data").path("secret_id").asText();
        clock.advance(Duration.ofHours(24));
        Reply expired = call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", expiring));
        assertEquals(400, expired.status());
        assertEquals("invalid role or secret ID", expired.error());

        // The binding is the role's at the time the secret id is issued; the test connects from 127.0.0.1.
        root("POST", "auth/approle/role/r", Map.of("secret_id_bound_cidrs", "10.0.0.0/8", "secret_id_num_uses", "0"));
        String elsewhere = root("POST", "auth/approle/role/r/secret-id", null).body().path("data").path("secret_id").asText();
        Reply refused = call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", elsewhere));
        assertEquals(400, refused.status());
        assertEquals("source address \"127.0.0.1\" unauthorized through CIDR restrictions on the secret ID", refused.error());
        root("POST", "auth/approle/role/r",
                Map.of("secret_id_bound_cidrs", "127.0.0.1/32,::1/128", "token_bound_cidrs", "10.0.0.0/8"));
        String here = root("POST", "auth/approle/role/r/secret-id", null).body().path("data").path("secret_id").asText();
        Reply bound = call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", here));
        assertEquals(200, bound.status());
        String token = bound.body().path("auth").path("client_token").asText();
        assertEquals(403, call("GET", "auth/token/lookup-self", token, null).status(),
                "a token bound to 10/8 is no good from loopback");
        assertEquals(400, root("POST", "auth/approle/role/r", Map.of("token_bound_cidrs", "not-a-cidr")).status());
    }

    @Test
    void sysAuthListEnableDisableNeedSudo() throws Exception {
        vault.putPolicy("admin-nosudo", """
                path "sys/auth" { capabilities = ["read"] }
                path "sys/auth/*" { capabilities = ["create", "update", "delete"] }
                """);
        vault.putPolicy("admin", """
                path "sys/auth/*" { capabilities = ["create", "update", "delete", "sudo"] }
                """);
        String noSudo = vault.createToken(List.of("admin-nosudo"), Duration.ofHours(1), "a");
        String admin = vault.createToken(List.of("admin"), Duration.ofHours(1), "b");
        assertEquals(200, call("GET", "sys/auth", noSudo, null).status());
        assertEquals(403, call("GET", "sys/auth", admin, null).status(), "listing needs read on sys/auth");
        assertEquals(403, call("POST", "sys/auth/approle", noSudo, Map.of("type", "approle")).status());
        assertEquals(204, call("POST", "sys/auth/approle", admin, Map.of("type", "approle")).status());
        assertEquals(204, call("POST", "sys/auth/k8s-prod", admin, Map.of("type", "kubernetes")).status());
        assertEquals("400 plugin not found in the catalog: userpass",
                statusAndError(call("POST", "sys/auth/userpass", admin, Map.of("type", "userpass"))));
        JsonNode table = root("GET", "sys/auth", null).body();
        assertEquals("kubernetes", table.path("data").path("k8s-prod/").path("type").asText());
        assertEquals("approle", table.path("approle/").path("type").asText(), "also at the top level, as Vault answers");

        // a Kubernetes method at a custom path, configured as setup.sh does
        assertEquals(204, root("POST", "auth/k8s-prod/config", Map.of("kubernetes_host", "https://k8s.example:6443")).status());
        assertEquals(204, root("POST", "auth/k8s-prod/role/patrol", Map.of("bound_service_account_names", "patrol",
                "bound_service_account_namespaces", "patrol", "token_policies", "default", "token_ttl", "1h")).status());
        String claims = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"system:serviceaccount:patrol:patrol\"}".getBytes());
        assertEquals(200,
                call("POST", "auth/k8s-prod/login", null, Map.of("role", "patrol", "jwt", "e30." + claims + ".sig")).status());

        // disabling revokes what its logins issued, is idempotent, and token/ stays
        root("POST", "auth/approle/role/r", Map.of("token_policies", "default"));
        String roleId = root("GET", "auth/approle/role/r/role-id", null).body().path("data").path("role_id").asText();
        String secretId = root("POST", "auth/approle/role/r/secret-id", null).body().path("data").path("secret_id").asText();
        String issued = call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", secretId))
                .body().path("auth").path("client_token").asText();
        assertEquals(200, call("GET", "auth/token/lookup-self", issued, null).status());
        assertEquals(403, call("DELETE", "sys/auth/approle", noSudo, null).status());
        assertEquals(204, call("DELETE", "sys/auth/approle", admin, null).status());
        assertEquals(403, call("GET", "auth/token/lookup-self", issued, null).status());
        assertEquals(403, call("POST", "auth/approle/login", null, Map.of("role_id", roleId, "secret_id", secretId)).status(),
                "login to a path with no auth method: 403 on current Vault");
        assertEquals(404, root("POST", "auth/approle/role/r", Map.of()).status());
        assertEquals(204, call("DELETE", "sys/auth/approle", admin, null).status());
        assertEquals("400 token credential backend cannot be disabled", statusAndError(root("DELETE", "sys/auth/token", null)));
    }

    @Test
    void sealStatusAndLeaderForVaultStatus() throws Exception {
        Reply s = call("GET", "sys/seal-status", null, null);
        assertEquals(200, s.status());
        assertEquals("shamir", s.body().path("type").asText());
        assertTrue(s.body().path("initialized").asBoolean());
        assertFalse(s.body().path("sealed").asBoolean());
        assertEquals(1, s.body().path("t").asInt());
        assertEquals(VaultEmulator.VERSION, s.body().path("version").asText());
        assertFalse(call("GET", "sys/leader", null, null).body().path("ha_enabled").asBoolean());
        vault.faults().sealed(true);
        Reply sealed = call("GET", "sys/seal-status", null, null);
        assertEquals(200, sealed.status(), "seal status answers while sealed");
        assertTrue(sealed.body().path("sealed").asBoolean());
        assertEquals(503, call("GET", "sys/leader", null, null).status());
    }

    @Test
    void mountsEnableTuneAndEnableVersioning() throws Exception {
        // vault secrets enable -version=2 kv at another path, and again: in use
        assertEquals(204, root("POST", "sys/mounts/team/kv", Map.of("type", "kv", "options", Map.of("version", "2"))).status());
        assertEquals("400 path is already in use at team/kv/",
                statusAndError(root("POST", "sys/mounts/team/kv", Map.of("type", "kv-v2"))));
        assertEquals("400 path is already in use at secret/",
                statusAndError(root("POST", "sys/mounts/secret", Map.of("type", "kv"))));
        assertEquals(400, root("POST", "sys/mounts/sys", Map.of("type", "kv")).status());
        assertEquals(200, root("POST", "team/kv/data/x", Map.of("data", Map.of("a", "1"))).status());

        // vault secrets enable -path=legacy kv (v1), then vault kv enable-versioning legacy/
        assertEquals(204, root("POST", "sys/mounts/legacy", Map.of("type", "kv")).status());
        assertEquals("1",
                root("GET", "sys/mounts/legacy/tune", null).body().path("data").path("options").path("version").asText());
        assertEquals(400, root("POST", "legacy/data/x", Map.of("data", Map.of("a", "1"))).status(),
                "the emulator serves v2 only");
        Reply upgrade = root("POST", "sys/mounts/legacy/tune", Map.of("options", Map.of("version", "2")));
        assertEquals(200, upgrade.status());
        assertTrue(upgrade.body().path("warnings").path(0).asText().startsWith("Upgrading mount from version 1 to version 2"));
        assertEquals("2",
                root("GET", "sys/mounts", null).body().path("data").path("legacy/").path("options").path("version").asText());
        assertEquals(200, root("POST", "legacy/data/x", Map.of("data", Map.of("a", "1"))).status());
        assertEquals(204, root("POST", "sys/mounts/secret/tune", Map.of("options", Map.of("version", "2"))).status(),
                "already v2");
        assertEquals("400 cannot downgrade mount from version 2",
                statusAndError(root("POST", "sys/mounts/secret/tune", Map.of("options", Map.of("version", "1")))));

        // tune needs update on the tune path, like any path
        vault.putPolicy("reader", "path \"sys/mounts/secret/tune\" { capabilities = [\"read\"] }");
        String reader = vault.createToken(List.of("reader"), Duration.ofHours(1), "r");
        assertEquals(200, call("GET", "sys/mounts/secret/tune", reader, null).status());
        assertEquals(403, call("POST", "sys/mounts/secret/tune", reader, Map.of("options", Map.of("version", "2"))).status());
        assertEquals(403, call("POST", "sys/mounts/other", reader, Map.of("type", "kv")).status());

        assertEquals(204, root("DELETE", "sys/mounts/legacy", null).status());
        assertEquals(404, root("GET", "legacy/data/x", null).status());
    }

    @Test
    void listOfAnEmptyOrMissingPathIs404() throws Exception {
        assertEquals("404 ", statusAndError(root("LIST", "secret/metadata/nothing-here", null)));
        assertEquals(404, root("GET", "secret/metadata?list=true", null).status(), "an empty mount");
        root("POST", "sys/auth/approle", Map.of("type", "approle"));
        assertEquals("404 ", statusAndError(root("LIST", "auth/approle/role", null)));
        root("POST", "auth/approle/role/r", Map.of());
        assertEquals("[\"r\"]", root("LIST", "auth/approle/role", null).body().path("data").path("keys").toString());
        root("POST", "sys/auth/kubernetes", Map.of("type", "kubernetes"));
        assertEquals(404, root("LIST", "auth/kubernetes/role", null).status());
        assertTrue(statusAndError(root("LIST", "nosuchmount/x", null)).startsWith("404 no handler for route"));
    }

    @Test
    void minimalHelp() throws Exception {
        Reply h = root("GET", "secret/data/x?help=1", null);
        assertEquals(200, h.status());
        assertTrue(h.body().path("help").asText().contains("KV secrets engine at secret/"));
        assertTrue(h.body().has("see_also"));
        String nobody = vault.createToken(List.of(), Duration.ofHours(1), "n");
        assertEquals(200, call("GET", "sys/mounts?help=1", nobody, null).status(), "help needs a token, no capability");
        assertEquals(403, call("GET", "sys/mounts?help=1", null, null).status());
        assertEquals(404, root("GET", "nosuchmount/x?help=1", null).status());
        assertEquals(200, root("GET", "auth/token/lookup-self?help=1", null).status());
    }

    static String statusAndError(Reply r) {
        return r.status() + " " + r.error();
    }
}
