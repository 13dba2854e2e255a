package dev.patrol.packaged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import net.snowflake.client.api.driver.SnowflakeDriver;

/**
 * Two patrol processes against the same standalone emulators, both sweeping every second, while
 * on-call engineers hammer both with rotate-now for a bounded time: afterwards the stored secret
 * logs in, and no rotation that was reported done was lost.
 */
class ReplicaRaceIT {

    static final Duration STORM = Duration.ofSeconds(8);
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void concurrentRotationsOnTwoReplicasLoseNothing() throws Exception {
        Path dir = PackagedApplicationIT.WORK.resolve("replicas");
        try (StandaloneEmulators emulators = StandaloneEmulators.start(dir)) {
            Map<String, String> env = new HashMap<>(emulators.patrolEnvironment());
            env.put("PATROL_ROTATION_CHECK_EVERY", "1s");
            try (PatrolProcess a = PatrolProcess.start(env, StandaloneEmulators.seededConnection(),
                    dir.resolve("patrol-a.log"));
                    PatrolProcess b = PatrolProcess.start(env, StandaloneEmulators.seededConnection(),
                            dir.resolve("patrol-b.log"))) {
                assertTrue(a.awaitReady(Duration.ofSeconds(60)) > 0, "replica a ready");
                assertTrue(b.awaitReady(Duration.ofSeconds(60)) > 0, "replica b ready");
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String oncall = emulators.token("oncall");
                String developer = emulators.token("developer");
                long before = awaitVersion(http, a, developer);

                Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
                AtomicInteger rotated = new AtomicInteger();
                List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
                ExecutorService callers = Executors.newFixedThreadPool(4);
                long end = System.nanoTime() + STORM.toNanos();
                List<Future<?>> running = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    PatrolProcess target = t % 2 == 0 ? a : b;
                    running.add(callers.submit(() -> {
                        while (System.nanoTime() < end) {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                    URI.create(target.url("/api/v1/connections/analyst_cli/rotate?expire-previous-after=0h")))
                                    .header("X-Vault-Token", oncall).POST(HttpRequest.BodyPublishers.noBody())
                                    .timeout(Duration.ofSeconds(30)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                            if (r.statusCode() == 200) {
                                String result = JSON.readTree(r.body()).path("result").asText();
                                if (result.equals("rotated") || result.equals("minted") || result.equals("replaced"))
                                    rotated.incrementAndGet();
                            } else if (r.statusCode() == 409) {
                                if (r.headers().firstValue("Retry-After").isEmpty())
                                    unexpected.add("409 without Retry-After");
                            } else {
                                unexpected.add(r.statusCode() + " " + r.body());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running)
                    f.get(STORM.toSeconds() + 90, TimeUnit.SECONDS);
                callers.shutdown();

                assertEquals(List.of(), unexpected, "every answer is a rotation or a 409 with Retry-After: " + statuses);
                assertTrue(rotated.get() > 0, "some rotations went through: " + statuses);
                long after = version(http, a, developer);
                assertTrue(rotated.get() <= after - before,
                        "no lost rotation: " + rotated.get() + " reported, " + (after - before) + " versions written; "
                                + statuses);
                // a replica serves another's rotation within its fetch cache's 2 s; the last one may have been either
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (true) {
                    try {
                        assertStoredSecretLogsIn(http, b, developer, emulators);
                        break;
                    } catch (java.sql.SQLException e) {
                        if (System.nanoTime() > deadline)
                            throw e;
                        Thread.sleep(100);
                    }
                }
            }
        }
    }

    static long awaitVersion(HttpClient http, PatrolProcess p, String token) throws Exception {
        for (int i = 0; i < 600; i++) {
            long v = version(http, p, token);
            if (v > 0)
                return v;
            Thread.sleep(50);
        }
        throw new AssertionError("no secret was minted");
    }

    static long version(HttpClient http, PatrolProcess p, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url("/api/v1/connections/analyst_cli")))
                .header("X-Vault-Token", token).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        return n.path("version").asLong(0);
    }

    static void assertStoredSecretLogsIn(HttpClient http, PatrolProcess p, String token, StandaloneEmulators emulators)
            throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url("/api/v1/connections/analyst_cli/token")))
                .header("X-Vault-Token", token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode t = JSON.readTree(r.body());
        Properties props = new Properties();
        props.put("user", t.path("user").asText());
        props.put("authenticator", "PROGRAMMATIC_ACCESS_TOKEN");
        props.put("token", t.path("token").asText());
        props.put("disablePlatformDetection", "true");
        props.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        URI u = URI.create(emulators.snowflakeUrl());
        String url = "jdbc:snowflake://" + u.getHost() + ":" + u.getPort() + "/?account=PATROLDEV&ssl=off";
        try (var c = new SnowflakeDriver().connect(url, props);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_ROLE()")) {
            rs.next();
            assertEquals("ANALYST_CLI_ROLE", rs.getString(1), "the stored secret logs in with the registered role");
        }
    }
}
