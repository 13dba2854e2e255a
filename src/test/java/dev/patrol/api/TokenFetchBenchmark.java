package dev.patrol.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.VaultSession;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Benchmark, not a test: {@code ./mvnw verify -Pbench}. p50/p99 latency and throughput of
 * {@code GET /api/v1/connections/{name}/token} at concurrency 1 and 16, beside a direct
 * vault-java-driver read of the same record from the same Vault emulator, in the same run.
 */
@Tag("benchmark")
@QuarkusTest
class TokenFetchBenchmark {

    @TestHTTPResource("/api/v1/connections/analyst_cli/token")
    URL url;

    @Inject
    DevServices devServices;

    @Inject
    RotationEngine engine;

    interface Call {
        void run() throws Exception;
    }

    @Test
    void fetchThroughPatrolVersusDirectVaultRead() throws Exception {
        engine.sweep();
        String token = devServices.vaultTokens().orElseThrow().developer();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.toString())).header("Authorization", "Bearer " + token)
                .GET().build();
        Call viaPatrol = () -> {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw new IllegalStateException("status " + r.statusCode());
        };
        Vault vault = Vault.create(new VaultConfig().address(devServices.vault().orElseThrow().address()).token(token)
                .httpClient(VaultSession.defaultHttpClient()).engineVersion(2).build(), 2);
        Call direct = () -> {
            if (vault.logical().read("secret/snowflake-pats/analyst_cli").getRestResponse().getStatus() != 200)
                throw new IllegalStateException();
        };
        int requests = Integer.getInteger("bench.requests", 4000);
        System.out.printf("%nToken fetch benchmark: %d requests per run%n", requests);
        for (int concurrency : new int[] { 1, 16 }) {
            run("direct Vault read", direct, 500, concurrency);
            run("via patrol", viaPatrol, 500, concurrency);
            double[] d = run("direct Vault read", direct, requests, concurrency);
            double[] p = run("via patrol", viaPatrol, requests, concurrency);
            System.out.printf(
                    "  concurrency %2d  direct: p50 %.3f ms  p99 %.3f ms  %,.0f req/s   patrol: p50 %.3f ms  p99 %.3f ms  %,.0f req/s   p50 ratio %.2f%n",
                    concurrency, d[0], d[1], d[2], p[0], p[1], p[2], p[0] / d[0]);
        }
    }

    /** Returns p50 ms, p99 ms, requests per second. */
    static double[] run(String label, Call call, int total, int concurrency) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>(total));
        List<Callable<Void>> tasks = new ArrayList<>();
        int each = total / concurrency;
        for (int t = 0; t < concurrency; t++) {
            tasks.add(() -> {
                for (int i = 0; i < each; i++) {
                    long s = System.nanoTime();
                    call.run();
                    latencies.add(System.nanoTime() - s);
                }
                return null;
            });
        }
        long start = System.nanoTime();
        for (Future<Void> f : pool.invokeAll(tasks))
            f.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        assertEquals(each * concurrency, sorted.size(), label);
        return new double[] { sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6,
                sorted.size() / seconds };
    }
}
