package dev.patrol.vault;

import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultEmulator;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Inside patrol (test mode = dev services): the Vault layer runs on the emulator with patrol's own
 * seeded token, and the operator's policies from deploy/vault/ give each audience what it needs.
 */
@QuarkusTest
class VaultDevServicesTest {

    @Inject
    SecretStore store;

    @Inject
    CallerAuthorizer authorizer;

    @Inject
    DevServices devServices;

    @Test
    void patrolsOwnTokenWritesAndReadsRecords() {
        Instant now = Instant.parse("2026-11-27T12:00:00Z");
        TokenRecord r = new TokenRecord("dev-secret", "PATROL_1", "ANALYST_CLI", "ANALYST_CLI_ROLE", "PATROLDEV", now,
                now.plus(Duration.ofDays(30)), Map.of("warehouse", "ANALYST_WH"));
        long v = store.write("dev_services_test", r, store.currentVersion("dev_services_test"));
        assertEquals("dev-secret", store.version("dev_services_test", v).orElseThrow().value().token());
        assertTrue(store.connections().contains("dev_services_test"));
    }

    @Test
    void seededPoliciesGiveEachAudienceItsCapabilities() {
        var tokens = devServices.vaultTokens().orElseThrow();
        String record = "secret/data/snowflake-pats/analyst_cli";
        assertTrue(authorizer.decide(tokens.developer(), record).allows("read"));
        assertFalse(authorizer.decide(tokens.developer(), "secret/data/snowflake-pats/other_cli").allows("read"));
        assertFalse(authorizer.decide(tokens.developer(), "patrol/connections/analyst_cli/rotate").allows("update"));
        assertTrue(authorizer.decide(tokens.oncall(), "patrol/connections/analyst_cli/rotate").allows("update"));
        assertTrue(authorizer.decide(tokens.oncall(), "patrol/connections/analyst_cli/revoke").allows("update"));
        assertFalse(authorizer.decide(tokens.oncall(), record).allows("read"));
        assertFalse(authorizer.decide(tokens.oncall(), "patrol/revoke-all").allows("sudo"));
        assertTrue(authorizer.decide(tokens.breakglass(), "patrol/revoke-all").allows("sudo"));
        assertTrue(authorizer.decide(tokens.patrol(), record).allows("update"));
        assertFalse(authorizer.decide(tokens.patrol(), "secret/data/other-team/db").allows("read"));
    }

    @Test
    void readinessFollowsVault() {
        RestAssured.when().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("vault"));
        VaultEmulator vault = devServices.vault().orElseThrow();
        vault.faults().sealed(true);
        try {
            RestAssured.when().get("/q/health/ready").then().statusCode(503).body("status", is("DOWN"));
        } finally {
            vault.faults().reset();
        }
    }
}
