package dev.patrol.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.config.PatrolConfig;
import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultEmulator;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Through HTTP: a caller whose Vault token is revoked, or whose policy loses the capability, is
 * refused once patrol.vault.caller-cache-ttl has passed (the clock is moved, nothing sleeps).
 */
@QuarkusTest
class CallerCacheApiTest {

    static final String TOKEN = "/api/v1/connections/analyst_cli/token";

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;
    @Inject
    PatrolConfig config;

    VaultEmulator vault;
    String secret;

    @BeforeEach
    void setUp() {
        vault = devServices.vault().orElseThrow();
        engine.sweep();
        secret = store.current("analyst_cli").orElseThrow().value().token();
    }

    @Test
    void aRevokedTokenGets401OnceTheTtlHasPassed() throws Exception {
        String leaver = vault.createToken(List.of("patrol-developer"), Duration.ofHours(1), "leaver");
        assertEquals(200, ApiTest.as(leaver).get(TOKEN).statusCode());
        HttpResponse<String> revoked = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(vault.address() + "/v1/auth/token/revoke-self"))
                        .header("X-Vault-Token", leaver).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(204, revoked.statusCode());
        devServices.clock().advance(config.vault().callerCacheTtl());
        Response r = ApiTest.as(leaver).get(TOKEN);
        ApiTest.problem(r, 401);
        assertFalse(r.asString().contains(secret));
    }

    @Test
    void aPolicyThatLosesTheCapabilityGets403OnceTheTtlHasPassed() {
        vault.putPolicy("patrol-moved-team", VaultSeed.policy("developer"));
        String mover = vault.createToken(List.of("patrol-moved-team"), Duration.ofHours(1), "mover");
        assertEquals(200, ApiTest.as(mover).get(TOKEN).statusCode());
        vault.putPolicy("patrol-moved-team", "path \"secret/data/snowflake-pats/elsewhere\" { capabilities = [\"read\"] }");
        devServices.clock().advance(config.vault().callerCacheTtl());
        Response r = ApiTest.as(mover).get(TOKEN);
        ApiTest.problem(r, 403);
        assertFalse(r.asString().contains(secret));
    }
}
