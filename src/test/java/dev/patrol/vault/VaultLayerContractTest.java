package dev.patrol.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * patrol's Vault layer through the real vault-java-driver 6.2.1 over HTTP: against the Vault
 * emulator in CI, against a real Vault when PATROL_TEST_VAULT_ADDR and PATROL_TEST_VAULT_TOKEN are set.
 */
class VaultLayerContractTest {

    final VaultTarget vault = new VaultTarget();

    @AfterEach
    void stop() throws Exception {
        vault.close();
    }

    static TokenRecord record(String secret, String name) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return new TokenRecord(secret, name, "ANALYST_CLI", "ANALYST_CLI_ROLE", "PATROLDEV", now, now.plus(Duration.ofDays(30)),
                Map.of("warehouse", "ANALYST_WH"));
    }

    @Test
    void recordsAreWrittenWithCheckAndSetAndKeepTheirHistory() {
        SecretStore store = vault.store(vault.rootToken);
        assertTrue(store.current("analyst_cli").isEmpty());
        assertEquals(0, store.currentVersion("analyst_cli"));
        assertEquals(1, store.write("analyst_cli", record("secret-one", "PATROL_1"), 0));
        CasConflictException lost = assertThrows(CasConflictException.class,
                () -> store.write("analyst_cli", record("other", "X"), 0));
        assertEquals(400, lost.status());
        assertEquals(2, store.write("analyst_cli", record("secret-two", "PATROL_1"), 1));
        Versioned<TokenRecord> current = store.current("analyst_cli").orElseThrow();
        assertEquals(2, current.version());
        assertEquals("secret-two", current.value().token());
        assertEquals("ANALYST_WH", current.value().parameters().get("warehouse"));
        assertEquals("secret-one", store.version("analyst_cli", 1).orElseThrow().value().token());
        assertEquals(List.of("analyst_cli"), store.connections());
    }

    @Test
    void destroyAllLeavesMetadataAndTheNextWriteContinuesTheHistory() {
        SecretStore store = vault.store(vault.rootToken);
        store.write("c1", record("s1", "T"), 0);
        store.write("c1", record("s2", "T"), 1);
        store.destroyAll("c1");
        assertTrue(store.current("c1").isEmpty());
        assertTrue(store.version("c1", 1).isEmpty());
        assertEquals(2, store.currentVersion("c1"), "metadata stays for the audit trail");
        assertEquals(3, store.write("c1", record("s3", "T"), 2));
        assertEquals("s3", store.current("c1").orElseThrow().value().token());
        store.destroyAll("nothing-here");
    }

    @Test
    void stateDocumentsUseCheckAndSet() {
        SecretStore store = vault.store(vault.rootToken);
        assertTrue(store.state("c1").isEmpty());
        assertEquals(1, store.writeState("c1", Map.of("suspended", "true", "reason", "leak"), 0));
        assertThrows(CasConflictException.class, () -> store.writeState("c1", Map.of(), 0));
        Versioned<Map<String, String>> s = store.state("c1").orElseThrow();
        assertEquals("leak", s.value().get("reason"));
        assertEquals(2, store.writeState("c1", Map.of(), s.version()));
        assertEquals(List.of(), store.connections(), "state documents are not connections");
    }

    @Test
    void ofConcurrentCasWritersExactlyOneWins() throws Exception {
        SecretStore store = vault.store(vault.rootToken);
        store.write("race", record("s0", "T"), 0);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    store.write("race", record("s" + id, "T"), 1);
                    return true;
                } catch (CasConflictException e) {
                    return false;
                }
            }));
        }
        go.countDown();
        int wins = 0;
        for (Future<Boolean> f : results)
            wins += f.get() ? 1 : 0;
        pool.shutdown();
        assertEquals(1, wins);
        assertEquals(2, store.currentVersion("race"));
    }

    @Test
    void deniedAccessIsATypedErrorThatNeverCarriesTheSecret() throws Exception {
        vault.putPolicy(vault.prefix + "-ro", "path \"secret/data/" + vault.prefix + "/*\" { capabilities = [\"read\"] }");
        String readOnly = vault.createToken(vault.prefix + "-ro", "1h");
        SecretStore store = vault.store(readOnly);
        VaultClientException e = assertThrows(VaultClientException.class,
                () -> store.write("c1", record("pat-secret-do-not-log", "T"), 0));
        assertEquals(403, e.status());
        assertEquals("write", e.operation());
        assertEquals("secret/data/" + vault.prefix + "/c1", e.path());
        assertTrue(e.denied());
        assertFalse(e.getMessage().contains("pat-secret-do-not-log"), e.getMessage());
        assertFalse(record("pat-secret-do-not-log", "T").toString().contains("pat-secret-do-not-log"));
        assertTrue(store.current("c1").isEmpty());
    }

    @Test
    void unreachableVaultIsReportedAsUnavailable() {
        VaultSession nowhere = new VaultSession("http://127.0.0.1:1", "secret", vault.http, new VaultLogin.FixedToken("t"),
                vault.clock);
        VaultClientException e = assertThrows(VaultClientException.class,
                () -> new VaultSecretStore(nowhere, new VaultPaths("secret", "p")).current("c"));
        assertEquals(-1, e.status());
        assertTrue(e.unavailable());
    }

    @Test
    void callerCapabilitiesComeFromTheCallersOwnToken() throws Exception {
        String path = "secret/data/" + vault.prefix + "/analyst_cli";
        vault.putPolicy(vault.prefix + "-dev", "path \"" + path + "\" { capabilities = [\"read\"] }\n"
                + "path \"patrol/connections/+/rotate\" { capabilities = [\"update\"] }");
        String developer = vault.createToken(vault.prefix + "-dev", "1h");
        CallerAuthorizer auth = new CallerAuthorizer(vault.session(vault.rootToken), vault.clock, Duration.ofSeconds(5));
        assertTrue(auth.decide(developer, path).allows("read"));
        assertFalse(auth.decide(developer, path).allows("update"));
        assertTrue(auth.decide(developer, "patrol/connections/analyst_cli/rotate").allows("update"));
        assertFalse(auth.decide(developer, "patrol/revoke-all").allows("sudo"));
        CallerAuthorizer.Decision bogus = auth.decide("not-a-token", path);
        assertFalse(bogus.validToken());
        assertFalse(auth.decide(null, path).validToken());
        assertTrue(auth.decide(vault.rootToken, "anything").allows("sudo"));
    }

    @Test
    void answersAreCachedBrieflyKeyedByTokenHash() throws Exception {
        Assumptions.assumeTrue(vault.isEmulator(), "counts requests on the emulator");
        String path = "secret/data/" + vault.prefix + "/x";
        vault.putPolicy("dev", "path \"" + path + "\" { capabilities = [\"read\"] }");
        String developer = vault.createToken("dev", "1h");
        CallerAuthorizer auth = new CallerAuthorizer(vault.session(vault.rootToken), vault.clock, Duration.ofSeconds(5));
        int before = vault.emulator.requests().size();
        for (int i = 0; i < 5; i++) {
            auth.decide(developer, path);
            auth.decide("bad-token", path);
        }
        assertEquals(2, vault.emulator.requests().size() - before, "one Vault call per token and path");
        vault.clock.advance(Duration.ofSeconds(6));
        auth.decide(developer, path);
        assertEquals(3, vault.emulator.requests().size() - before);
        assertNotEquals(developer, CallerAuthorizer.hash(developer));
        assertEquals(64, CallerAuthorizer.hash(developer).length());
    }

    @Test
    void tokenLoginRenewsAtTwoThirdsOfItsTtl() throws Exception {
        Assumptions.assumeTrue(vault.isEmulator(), "moves the emulator's clock");
        vault.putPolicy("patrol", "path \"secret/*\" { capabilities = [\"create\", \"read\", \"update\", \"list\"] }");
        String token = vault.createToken("patrol", "1h");
        VaultSession session = vault.session(token);
        SecretStore store = new VaultSecretStore(session, new VaultPaths("secret", vault.prefix));
        store.write("c", record("s", "T"), 0);
        Instant renewAt = session.renewAt();
        assertEquals(Duration.ofMinutes(40),
                Duration.between(vault.clock.instant(), renewAt).plusSeconds(1).truncatedTo(ChronoUnit.MINUTES));
        vault.clock.advance(Duration.ofMinutes(41));
        session.maintain();
        assertTrue(session.renewAt().isAfter(renewAt));
        vault.clock.advance(Duration.ofMinutes(41));
        assertTrue(store.current("c").isPresent(), "the renewed token still works after its first hour");
    }

    @Test
    void appRoleLoginLogsInAgainWhenRenewalFails(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(vault.isEmulator(), "uses the emulator's AppRole and clock");
        vault.emulator.putPolicy("patrol", "path \"secret/*\" { capabilities = [\"create\", \"read\", \"update\", \"list\"] }");
        String roleId = vault.emulator.createAppRole("patrol", List.of("patrol"), Duration.ofMinutes(30));
        Path secretIdFile = dir.resolve("secret-id");
        Files.writeString(secretIdFile, vault.emulator.newSecretId("patrol") + "\n");
        VaultSession session = new VaultSession(vault.address, "secret", vault.http,
                new VaultLogin.AppRole("approle", roleId, secretIdFile), vault.clock);
        SecretStore store = new VaultSecretStore(session, new VaultPaths("secret", vault.prefix));
        store.write("c", record("s", "T"), 0);
        session.kv().auth().revokeSelf(); // renewal will fail: the session must log in again
        vault.clock.advance(Duration.ofMinutes(21));
        session.maintain();
        assertEquals("s", store.current("c").orElseThrow().value().token());
        Files.writeString(secretIdFile, "wrong");
        VaultClientException e = assertThrows(VaultClientException.class,
                () -> new VaultLogin.AppRole("approle", roleId, secretIdFile).login(vault.address, vault.http));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("invalid role or secret ID"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong"));
    }

    @Test
    void kubernetesLogin(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(vault.isEmulator(), "uses the emulator's Kubernetes auth");
        vault.emulator.putPolicy("patrol", "path \"secret/*\" { capabilities = [\"read\"] }");
        vault.emulator.createKubernetesRole("patrol", List.of("patrol"), List.of("ops"), List.of("patrol"),
                Duration.ofHours(1));
        String claims = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"system:serviceaccount:ops:patrol\"}".getBytes());
        Path jwt = dir.resolve("token");
        Files.writeString(jwt, "e30." + claims + ".c2ln");
        VaultLogin.Grant g = new VaultLogin.Kubernetes("kubernetes", "patrol", jwt).login(vault.address, vault.http);
        assertEquals(Duration.ofHours(1), g.ttl());
        assertFalse(g.toString().contains(g.token()));
    }
}
