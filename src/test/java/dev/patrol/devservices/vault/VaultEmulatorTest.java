package dev.patrol.devservices.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.devservices.AdjustableClock;

/** The Vault emulator's HTTP API over raw HTTP, against current Vault's shapes (README, "The Vault emulator"). */
class VaultEmulatorTest {

    final AdjustableClock clock = new AdjustableClock();
    final VaultEmulator vault = VaultEmulator.start("127.0.0.1", 0, "root-token", clock);
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() {
        vault.close();
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    Reply call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vault.address() + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null)
            b.header("X-Vault-Token", token);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : json.readTree(r.body()), r);
    }

    Reply root(String method, String path, String body) throws Exception {
        return call(method, path, "root-token", body);
    }

    @Test
    void kvWriteReadWithCasAndTheExactShapes_3_3_and_3_6() throws Exception {
        Reply w = root("POST", "secret/data/snowflake/svc", "{\"data\":{\"token\":\"pat-1\"},\"options\":{\"cas\":0}}");
        assertEquals(200, w.status());
        assertEquals("application/json", w.raw().headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-store", w.raw().headers().firstValue("Cache-Control").orElse(""));
        assertEquals(1, w.body().path("data").path("version").asInt());
        Reply again = root("POST", "secret/data/snowflake/svc", "{\"data\":{\"token\":\"pat-x\"},\"options\":{\"cas\":0}}");
        assertEquals(400, again.status());
        assertEquals("check-and-set parameter did not match the current version", again.body().path("errors").get(0).asText());
        assertEquals(200,
                root("PUT", "secret/data/snowflake/svc", "{\"data\":{\"token\":\"pat-2\"},\"options\":{\"cas\":1}}").status());
        Reply r = root("GET", "secret/data/snowflake/svc", null);
        assertEquals("pat-2", r.body().path("data").path("data").path("token").asText());
        assertEquals(2, r.body().path("data").path("metadata").path("version").asInt());
        assertEquals("pat-1", root("GET", "secret/data/snowflake/svc?version=1", null).body().path("data").path("data")
                .path("token").asText());
        Reply missing = root("GET", "secret/data/snowflake/none", null);
        assertEquals(404, missing.status());
        assertEquals("[]", missing.body().path("errors").toString());
        assertEquals(400, root("POST", "secret/data/snowflake/svc", "{\"nodata\":1}").status());
        assertEquals(400, root("POST", "secret/data/snowflake/svc", "not json").status());
    }

    @Test
    void deleteUndeleteDestroyAndMetadata_3_4_and_3_5() throws Exception {
        for (int i = 1; i <= 3; i++)
            root("POST", "secret/data/k", "{\"data\":{\"v\":\"" + i + "\"}}");
        Reply del = root("POST", "secret/delete/k", "{\"versions\":[3]}");
        assertEquals(204, del.status());
        assertEquals("", del.raw().body());
        Reply gone = root("GET", "secret/data/k", null);
        assertEquals(404, gone.status());
        assertTrue(gone.body().path("data").path("data").isNull());
        assertFalse(gone.body().path("data").path("metadata").path("deletion_time").asText().isEmpty());
        assertEquals(204, root("POST", "secret/undelete/k", "{\"versions\":[3]}").status());
        assertEquals("3", root("GET", "secret/data/k", null).body().path("data").path("data").path("v").asText());
        assertEquals(204, root("PUT", "secret/destroy/k", "{\"versions\":[1]}").status());
        Reply destroyed = root("GET", "secret/data/k?version=1", null);
        assertEquals(404, destroyed.status());
        assertTrue(destroyed.body().path("data").path("metadata").path("destroyed").asBoolean());
        assertEquals(400, root("POST", "secret/destroy/k", "{}").status());
        JsonNode meta = root("GET", "secret/metadata/k", null).body().path("data");
        assertEquals(3, meta.path("current_version").asInt());
        assertTrue(meta.path("versions").path("1").path("destroyed").asBoolean());
        assertEquals(204, root("POST", "secret/metadata/k",
                "{\"max_versions\":2,\"cas_required\":true,\"custom_metadata\":{\"owner\":\"patrol\"}}").status());
        meta = root("GET", "secret/metadata/k", null).body().path("data");
        assertEquals(2, meta.path("oldest_version").asInt());
        assertEquals("patrol", meta.path("custom_metadata").path("owner").asText());
        Reply noCas = root("POST", "secret/data/k", "{\"data\":{\"v\":\"4\"}}");
        assertEquals("check-and-set parameter required for this call", noCas.body().path("errors").get(0).asText());
        assertEquals(204, root("DELETE", "secret/metadata/k", null).status());
        assertEquals(404, root("GET", "secret/metadata/k", null).status());
    }

    @Test
    void versionsAreTrimmedToMaxVersions_3_6() throws Exception {
        for (int i = 1; i <= 12; i++)
            root("POST", "secret/data/t", "{\"data\":{\"v\":\"" + i + "\"}}");
        JsonNode meta = root("GET", "secret/metadata/t", null).body().path("data");
        assertEquals(3, meta.path("oldest_version").asInt());
        assertEquals(10, meta.path("versions").size());
        assertEquals(404, root("GET", "secret/data/t?version=2", null).status());
    }

    @Test
    void listBothWaysWithFolders_3_5() throws Exception {
        root("POST", "secret/data/a/x", "{\"data\":{\"v\":\"1\"}}");
        root("POST", "secret/data/a/y/z", "{\"data\":{\"v\":\"1\"}}");
        assertEquals("[\"x\",\"y/\"]",
                call("LIST", "secret/metadata/a", "root-token", null).body().path("data").path("keys").toString());
        assertEquals("[\"x\",\"y/\"]",
                root("GET", "secret/metadata/a?list=true", null).body().path("data").path("keys").toString());
        assertEquals(404, root("GET", "secret/metadata/empty?list=true", null).status());
    }

    @Test
    void concurrentCasWritesHaveExactlyOneWinner_2_4() throws Exception {
        root("POST", "secret/data/race", "{\"data\":{\"v\":\"0\"}}");
        int n = 16;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            results.add(pool.submit(() -> {
                go.await();
                return root("POST", "secret/data/race", "{\"data\":{\"v\":\"" + id + "\"},\"options\":{\"cas\":1}}").status();
            }));
        }
        go.countDown();
        int ok = 0, conflict = 0;
        for (Future<Integer> f : results) {
            int s = f.get();
            if (s == 200)
                ok++;
            if (s == 400)
                conflict++;
        }
        pool.shutdown();
        assertEquals(1, ok);
        assertEquals(n - 1, conflict);
    }

    @Test
    void policiesAreEnforcedAndDenyWins_3_7() throws Exception {
        vault.putPolicy("reader", """
                # developers read their own connection
                path "secret/data/snowflake-pats/+" { capabilities = ["read"] }
                path "secret/data/snowflake-pats/admin*" { capabilities = ["deny"] }
                path "secret/metadata/snowflake-pats" { capabilities = ["list"] }
                """);
        String reader = vault.createToken(List.of("reader"), Duration.ofHours(1), "alice");
        root("POST", "secret/data/snowflake-pats/analyst_cli", "{\"data\":{\"token\":\"x\"}}");
        root("POST", "secret/data/snowflake-pats/admin_cli", "{\"data\":{\"token\":\"y\"}}");
        assertEquals(200, call("GET", "secret/data/snowflake-pats/analyst_cli", reader, null).status());
        Reply denied = call("GET", "secret/data/snowflake-pats/admin_cli", reader, null);
        assertEquals(403, denied.status());
        assertEquals("1 error occurred:\n\t* permission denied\n\n", denied.body().path("errors").get(0).asText());
        assertEquals(403,
                call("POST", "secret/data/snowflake-pats/analyst_cli", reader, "{\"data\":{\"token\":\"z\"}}").status());
        assertEquals(403, call("GET", "secret/data/snowflake-pats/a/b", reader, null).status(), "+ matches one segment");
        assertEquals(200, call("LIST", "secret/metadata/snowflake-pats", reader, null).status());
        Reply caps = call("POST", "sys/capabilities-self", reader,
                "{\"paths\":[\"secret/data/snowflake-pats/analyst_cli\",\"secret/data/snowflake-pats/admin_cli\",\"patrol/revoke-all\"]}");
        assertEquals("[\"read\"]", caps.body().path("secret/data/snowflake-pats/analyst_cli").toString());
        assertEquals("[\"deny\"]", caps.body().path("data").path("secret/data/snowflake-pats/admin_cli").toString());
        assertEquals("[\"deny\"]", caps.body().path("patrol/revoke-all").toString());
        Reply one = call("POST", "sys/capabilities-self", reader, "{\"path\":\"secret/data/snowflake-pats/analyst_cli\"}");
        assertEquals("[\"read\"]", one.body().path("capabilities").toString());
        assertEquals("[\"root\"]",
                root("POST", "sys/capabilities-self", "{\"paths\":[\"anything\"]}").body().path("anything").toString());
    }

    @Test
    void mostSpecificPathWinsAcrossPolicies() {
        AclPolicy broad = AclPolicy.parse("broad", "path \"secret/*\" { capabilities = [\"read\", \"list\"] }");
        AclPolicy narrow = AclPolicy.parse("narrow", "path \"secret/data/x\" { capabilities = [\"update\"] }");
        AclPolicy plus = AclPolicy.parse("plus", "path \"secret/data/+\" { capabilities = [\"create\"] }");
        assertEquals(java.util.Set.of("update"), AclPolicy.capabilities(List.of(broad, narrow, plus), "secret/data/x"));
        assertEquals(java.util.Set.of("create"), AclPolicy.capabilities(List.of(broad, narrow, plus), "secret/data/y"));
        assertEquals(java.util.Set.of("read", "list"), AclPolicy.capabilities(List.of(broad, narrow, plus), "secret/data/y/z"));
        AclPolicy merged = AclPolicy.parse("merged", "path \"secret/data/x\" { capabilities = [\"read\"] }");
        assertEquals(java.util.Set.of("update", "read"), AclPolicy.capabilities(List.of(narrow, merged), "secret/data/x"));
        assertThrows(IllegalArgumentException.class, () -> AclPolicy.parse("bad", "path \"x\" { capabilities = [\"fly\"] }"));
        assertThrows(IllegalArgumentException.class, () -> AclPolicy.parse("bad", "path \"x\" { policy = \"read\" }"));
        assertThrows(IllegalArgumentException.class, () -> AclPolicy.parse("bad", "garbage"));
    }

    @Test
    void policyApiAndBadHcl() throws Exception {
        assertEquals(204,
                root("PUT", "sys/policies/acl/dev", "{\"policy\":\"path \\\"secret/*\\\" { capabilities = [\\\"read\\\"] }\"}")
                        .status());
        assertTrue(root("GET", "sys/policies/acl/dev", null).body().path("data").path("policy").asText().contains("secret/*"));
        assertTrue(call("LIST", "sys/policies/acl", "root-token", null).body().path("data").path("keys").toString()
                .contains("dev"));
        assertEquals(400, root("PUT", "sys/policies/acl/bad", "{\"policy\":\"path {\"}").status());
        assertEquals(204, root("DELETE", "sys/policies/acl/dev", null).status());
        assertEquals(404, root("GET", "sys/policies/acl/dev", null).status());
    }

    @Test
    void tokensExpireRenewAndRevoke_3_7() throws Exception {
        String t = vault.createToken(List.of(), Duration.ofHours(1), "bob");
        JsonNode self = call("GET", "auth/token/lookup-self", t, null).body().path("data");
        assertEquals(3600, self.path("ttl").asInt());
        assertEquals("token-bob", self.path("display_name").asText());
        assertEquals("[\"default\"]", self.path("policies").toString());
        clock.advance(Duration.ofMinutes(50));
        Reply renew = call("POST", "auth/token/renew-self", t, "{\"increment\":\"2h\"}");
        assertEquals(7200, renew.body().path("auth").path("lease_duration").asInt());
        assertTrue(renew.body().path("auth").path("renewable").asBoolean());
        clock.advance(Duration.ofHours(2).plusSeconds(1));
        Reply expired = call("GET", "auth/token/lookup-self", t, null);
        assertEquals(403, expired.status());
        assertEquals("permission denied", expired.body().path("errors").get(0).asText());
        assertEquals(400, root("POST", "auth/token/renew-self", "{}").status(), "root is not renewable");
        String u = vault.createToken(List.of(), Duration.ofHours(1), "carol");
        assertEquals(204, call("POST", "auth/token/revoke-self", u, null).status());
        assertEquals(403, call("GET", "auth/token/lookup-self", u, null).status());
        assertEquals(403, call("GET", "secret/data/x", null, null).status(), "no token: 403 on current Vault");
        HttpResponse<String> bearer = http
                .send(HttpRequest.newBuilder(URI.create(vault.address() + "/v1/auth/token/lookup-self"))
                        .header("Authorization", "Bearer root-token").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, bearer.statusCode());
    }

    @Test
    void appRoleAndKubernetesLogin_3_8() throws Exception {
        vault.putPolicy("patrol", "path \"secret/*\" { capabilities = [\"read\"] }");
        String roleId = vault.createAppRole("patrol", List.of("patrol"), Duration.ofMinutes(20));
        String secretId = vault.newSecretId("patrol");
        Reply login = call("POST", "auth/approle/login", null,
                "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}");
        assertEquals(200, login.status());
        assertEquals("[\"default\",\"patrol\"]", login.body().path("auth").path("policies").toString());
        assertEquals(1200, login.body().path("auth").path("lease_duration").asInt());
        assertTrue(login.body().path("auth").path("client_token").asText().startsWith("hvs."));
        Reply bad = call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"wrong\"}");
        assertEquals(400, bad.status());
        assertEquals("invalid role or secret ID", bad.body().path("errors").get(0).asText());
        assertEquals(400, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\"}").status());
        // role and secret id through the API, as an operator would
        assertEquals(204,
                root("POST", "auth/approle/role/ops", "{\"token_policies\":\"patrol\",\"token_ttl\":\"1h\"}").status());
        String opsRole = root("GET", "auth/approle/role/ops/role-id", null).body().path("data").path("role_id").asText();
        String opsSecret = root("POST", "auth/approle/role/ops/secret-id", "{}").body().path("data").path("secret_id").asText();
        assertEquals(200, call("POST", "auth/approle/login", null,
                "{\"role_id\":\"" + opsRole + "\",\"secret_id\":\"" + opsSecret + "\"}").status());

        vault.createKubernetesRole("patrol", List.of("patrol"), List.of("ops"), List.of("patrol"), Duration.ofHours(1));
        String claims = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"system:serviceaccount:ops:patrol\"}".getBytes());
        Reply k8s = call("POST", "auth/kubernetes/login", null, "{\"role\":\"patrol\",\"jwt\":\"e30." + claims + ".sig\"}");
        assertEquals(200, k8s.status());
        String other = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"system:serviceaccount:default:x\"}".getBytes());
        assertEquals(403, call("POST", "auth/kubernetes/login", null, "{\"role\":\"patrol\",\"jwt\":\"e30." + other + ".sig\"}")
                .status());
    }

    @Test
    void mountsPreflightAndUnknownRoutes_3_2() throws Exception {
        vault.putPolicy("reader", "path \"secret/data/snowflake-pats/+\" { capabilities = [\"read\"] }");
        String reader = vault.createToken(List.of("reader"), Duration.ofHours(1), "dave");
        Reply ui = call("GET", "sys/internal/ui/mounts/secret/snowflake-pats/x", reader, null);
        assertEquals(200, ui.status());
        assertEquals("2", ui.body().path("data").path("options").path("version").asText());
        assertEquals("secret/", ui.body().path("data").path("path").asText());
        assertEquals(403, call("GET", "sys/internal/ui/mounts/nosuchmount/x", reader, null).status());
        assertEquals(403, call("GET", "sys/mounts", reader, null).status());
        Reply mounts = root("GET", "sys/mounts", null);
        assertEquals("kv", mounts.body().path("secret/").path("type").asText());
        assertEquals("kv", mounts.body().path("data").path("secret/").path("type").asText());
        Reply none = root("GET", "cubbyhole/x", null);
        assertEquals(404, none.status());
        assertTrue(none.body().path("errors").get(0).asText().startsWith("no handler for route"));
        assertEquals(405, root("PATCH", "sys/mounts", "{}").status());
    }

    @Test
    void healthAndFaults_3_9() throws Exception {
        Reply h = call("GET", "sys/health", null, null);
        assertEquals(200, h.status());
        assertFalse(h.body().path("sealed").asBoolean());
        vault.faults().sealed(true);
        assertEquals(503, call("GET", "sys/health", null, null).status());
        assertEquals(503, root("GET", "secret/data/x", null).status());
        assertEquals(200, call("GET", "sys/health?sealedcode=200", null, null).status());
        vault.faults().reset();
        vault.faults().failNextRequests(2, 502);
        assertEquals(502, root("GET", "secret/data/x", null).status());
        assertEquals(502, root("GET", "secret/data/x", null).status());
        assertEquals(404, root("GET", "secret/data/x", null).status());
        vault.faults().unavailable(true);
        assertThrows(java.io.IOException.class, () -> root("GET", "secret/data/x", null));
        vault.faults().reset();
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals("/v1/sys/health") && !r.hadToken()));
    }

    @Test
    void patchMergesData() throws Exception {
        root("POST", "secret/data/p", "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(vault.address() + "/v1/secret/data/p"))
                .header("X-Vault-Token", "root-token").header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{\"b\":null,\"c\":\"3\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("{\"a\":\"1\",\"c\":\"3\"}",
                root("GET", "secret/data/p", null).body().path("data").path("data").toString());
    }
}
