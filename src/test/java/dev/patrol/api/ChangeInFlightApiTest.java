package dev.patrol.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** What a caller sees while a change to the connection is in flight: 409 with Retry-After, never a second change. */
@QuarkusTest
class ChangeInFlightApiTest {

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;

    @AfterEach
    void noHook() {
        engine.onStep((step, c) -> {
        });
    }

    Response post(String path) {
        return given().header("Authorization", "Bearer " + devServices.vaultTokens().orElseThrow().oncall()).post(path);
    }

    @Test
    void aSecondRotateOrResumeWhileOneIsInFlightGets409WithRetryAfter() throws Exception {
        engine.sweep();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        engine.onStep((step, c) -> {
            if (step == RotationEngine.Step.VALIDATED && armed.compareAndSet(true, false)) {
                reached.countDown();
                try {
                    proceed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> post("/api/v1/connections/analyst_cli/rotate"));
        assertTrue(reached.await(60, TimeUnit.SECONDS), "the first rotation reached validation");
        Response second = post("/api/v1/connections/analyst_cli/rotate");
        assertEquals(409, second.statusCode(), second.asString());
        assertEquals("2", second.header("Retry-After"));
        assertTrue(second.asString().contains("in flight"), second.asString());
        Response state = given().header("Authorization", "Bearer " + devServices.vaultTokens().orElseThrow().developer())
                .get("/api/v1/connections/analyst_cli");
        assertTrue(state.jsonPath().getBoolean("change_pending"),
                "the connection shows its change in flight: " + state.asString());
        proceed.countDown();
        Response done = first.get(60, TimeUnit.SECONDS);
        assertEquals(200, done.statusCode(), done.asString());
        assertEquals("rotated", done.jsonPath().getString("result"));
        assertEquals(200, post("/api/v1/connections/analyst_cli/rotate").statusCode(),
                "once it is done, the next one goes through");
    }
}
