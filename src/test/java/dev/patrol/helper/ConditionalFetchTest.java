package dev.patrol.helper;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** The token endpoint's ETag and If-None-Match, which let the helper skip an unchanged secret. */
@QuarkusTest
class ConditionalFetchTest {

    static final String TOKEN = "/api/v1/connections/analyst_cli/token";

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    @BeforeEach
    void mint() {
        engine.sweep();
    }

    Response get(String token, String accept, String ifNoneMatch) {
        var spec = given().header("Authorization", "Bearer " + token).header("Accept", accept);
        if (ifNoneMatch != null)
            spec = spec.header("If-None-Match", ifNoneMatch);
        return spec.get(TOKEN);
    }

    @Test
    void etagNamesTheVersionNotTheSecretAndAMatchAnswers304WithoutBody() {
        String developer = devServices.vaultTokens().orElseThrow().developer();
        var current = store.current("analyst_cli").orElseThrow();
        String secret = current.value().token();

        Response toml = get(developer, "application/toml", null);
        assertEquals(200, toml.statusCode());
        String etag = toml.header("ETag");
        assertNotNull(etag);
        assertTrue(etag.matches("\"[A-Za-z0-9_.-]+\""), etag);
        assertTrue(etag.contains(Long.toString(current.version())) && etag.contains(current.value().tokenName()), etag);
        assertFalse(etag.contains(secret), "the tag never carries the secret");

        Response json = get(developer, "application/json", null);
        assertNotEquals(etag, json.header("ETag"), "each representation has its own tag");

        Response same = get(developer, "application/toml", etag);
        assertEquals(304, same.statusCode());
        assertEquals("", same.asString());
        assertEquals(etag, same.header("ETag"));
        assertEquals("no-store", same.header("Cache-Control"));
        assertEquals(304, get(developer, "application/toml", "\"other\", W/" + etag).statusCode(), "a list, weak comparison");
        assertEquals(200, get(developer, "application/toml", "\"other\"").statusCode());
        assertEquals(200, get(developer, "application/toml", json.header("ETag")).statusCode(),
                "the JSON tag does not match TOML");

        // Still authenticated and authorised: a right tag without a right token gets nothing.
        assertEquals(401, get("hvs.unknown", "application/toml", etag).statusCode());
        String nobody = devServices.vault().orElseThrow().createToken(java.util.List.of(), java.time.Duration.ofHours(1),
                "nobody");
        assertEquals(403, get(nobody, "application/toml", etag).statusCode());

        // A rotation changes the tag, so the old one fetches the new secret.
        String oncall = devServices.vaultTokens().orElseThrow().oncall();
        assertEquals(200, given().header("Authorization", "Bearer " + oncall).post("/api/v1/connections/analyst_cli/rotate")
                .statusCode());
        Response after = get(developer, "application/toml", etag);
        assertEquals(200, after.statusCode());
        assertNotEquals(etag, after.header("ETag"));
        assertTrue(after.asString().contains(store.current("analyst_cli").orElseThrow().value().token()));
    }
}
