package dev.patrol.helper;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Benchmark, not a test: {@code ./mvnw verify -Pbench}. Wall time of {@code patrol fetch} beside a
 * bare curl of the same endpoint (same token, same server), alternating, in one run.
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
        for (int i = 0; i < 5; i++) {
            time(curl, token);
            time(fetch, token);
        }
        List<Double> c = new ArrayList<>(), f = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            c.add(time(curl, token));
            f.add(time(fetch, token));
        }
        Collections.sort(c);
        Collections.sort(f);
        System.out.printf("%nHelper benchmark (%d runs each, alternating): bare curl p50 %.1f ms p90 %.1f ms; patrol fetch p50 %.1f ms p90 %.1f ms; p50 ratio %.2f%n",
                runs, c.get(runs / 2), c.get(runs * 9 / 10), f.get(runs / 2), f.get(runs * 9 / 10), f.get(runs / 2) / c.get(runs / 2));
    }

    double time(List<String> cmd, String token) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
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
