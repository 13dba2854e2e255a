package dev.patrol.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Benchmark, not a test: {@code ./mvnw test -Pbench -Dtest=HelperBenchmark}. Wall time of
 * {@code patrol fetch} beside a bare curl of the same endpoint (same token, same server), alternating,
 * in one run: when nothing changed (the helper's conditional request gets a 304 and writes nothing),
 * and right after a rotation (a full answer, merged and written).
 */
@Tag("benchmark")
@QuarkusTest
class HelperBenchmark {

    @TestHTTPResource("/")
    URL base;
    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @TempDir
    Path home;

    @Test
    void fetchVersusBareCurl() throws Exception {
        engine.sweep();
        String token = devServices.vaultTokens().orElseThrow().developer();
        Path headers = home.resolve("h");
        Files.writeString(headers, "Authorization: Bearer " + token + "\nAccept: application/toml\n");
        List<String> curl = List.of("curl", "-s", "-H", "@" + headers, "-o", home.resolve("out").toString(),
                base + "api/v1/connections/analyst_cli/token");
        List<String> fetch = List.of("sh", HelperTest.SCRIPT.toString(), "fetch", "analyst_cli");
        int runs = Integer.getInteger("bench.runs", 60);
        Path file = home.resolve(".snowflake/connections.toml");
        for (int i = 0; i < 5; i++) {
            time(curl, token);
            time(fetch, token);
        }
        long written = Files.getLastModifiedTime(file).toMillis();
        List<Double> c = new ArrayList<>(), f = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            c.add(time(curl, token));
            f.add(time(fetch, token));
        }
        assertEquals(written, Files.getLastModifiedTime(file).toMillis(), "an unchanged secret is not rewritten");
        report("nothing changed (304, no write)", runs, c, f);

        // After a rotation through the API (untimed), the helper gets a 200 and rewrites the file.
        HttpClient http = HttpClient.newHttpClient();
        String oncall = devServices.vaultTokens().orElseThrow().oncall();
        int changedRuns = Integer.getInteger("bench.changedRuns", Math.min(runs, 30));
        List<Double> cc = new ArrayList<>(), fc = new ArrayList<>();
        for (int i = 0; i < changedRuns; i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + "api/v1/connections/analyst_cli/rotate?expire-previous-after=0h"))
                            .header("Authorization", "Bearer " + oncall).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "rotate");
            String before = Files.readString(file);
            cc.add(time(curl, token));
            fc.add(time(fetch, token));
            assertNotEquals(before, Files.readString(file), "the changed secret was written");
        }
        report("secret changed (200, merged and written)", changedRuns, cc, fc);
    }

    static void report(String what, int runs, List<Double> c, List<Double> f) {
        // Each fetch against the curl just before it: on a shared machine the load drifts during a run.
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < runs; i++)
            paired.add(f.get(i) / c.get(i));
        Collections.sort(paired);
        Collections.sort(c);
        Collections.sort(f);
        System.out.printf(
                "%nHelper benchmark, %s (%d runs each, alternating): bare curl p50 %.1f ms p90 %.1f ms; patrol fetch p50 %.1f ms p90 %.1f ms; "
                        + "p50 ratio %.2f; median paired ratio %.2f%n",
                what, runs, c.get(runs / 2), c.get(runs * 9 / 10), f.get(runs / 2), f.get(runs * 9 / 10),
                f.get(runs / 2) / c.get(runs / 2), paired.get(runs / 2));
    }

    double time(List<String> cmd, String token) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("VAULT_TOKEN", token);
        pb.environment().put("PATROL_SERVER", base.toString());
        pb.environment().put("PATROL_CORTEX_MANAGED_SETTINGS", home.resolve("none.json").toString());
        long start = System.nanoTime();
        Process p = pb.start();
        p.waitFor(30, TimeUnit.SECONDS);
        double ms = (System.nanoTime() - start) / 1e6;
        assertEquals(0, p.exitValue(), String.join(" ", cmd.subList(0, 2)));
        return ms;
    }
}
