package dev.patrol.packaged;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The packaged production application, {@code target/quarkus-app/quarkus-run.jar}, as its own process. */
public final class PatrolProcess implements AutoCloseable {

    public static final Path RUNNER = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;
    private final long startedNanos;
    public final int port;

    private PatrolProcess(Process process, Path log, long startedNanos, int port) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        this.port = port;
    }

    public static PatrolProcess start(Map<String, String> env, Path log) throws IOException {
        return start(env, Map.of(), log);
    }

    /** Starts with these environment variables and {@code -D} system properties; listens on a free loopback port. */
    public static PatrolProcess start(Map<String, String> env, Map<String, String> properties, Path log) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(java()));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", RUNNER.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        long t0 = System.nanoTime();
        return new PatrolProcess(pb.start(), log, t0, port);
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /**
     * Seconds from start until {@code condition} holds for the log, or -1 if the process ends first or {@code limit} passes.
     */
    public double awaitLog(Predicate<String> condition, Duration limit) throws IOException, InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(log) && condition.test(Files.readString(log)))
                return (System.nanoTime() - startedNanos) / 1e9;
            if (!process.isAlive())
                return -1;
            Thread.sleep(20);
        }
        return -1;
    }

    /** Seconds from start until readiness answers UP, or -1. */
    public double awaitReady(Duration limit) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url("/q/health/ready"))).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200)
                    return (System.nanoTime() - startedNanos) / 1e9;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        return -1;
    }

    /** Resident set size in MiB (Linux), or -1. */
    public double rssMiB() throws IOException {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        if (!Files.exists(status))
            return -1;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:"))
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        return -1;
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public Process process() {
        return process;
    }

    /** Stops with SIGTERM, as a container runtime would; returns seconds until the process ended, or -1. */
    public double stop(Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        boolean ended = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroyForcibly();
            return -1;
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive())
            stop(Duration.ofSeconds(10));
    }
}
