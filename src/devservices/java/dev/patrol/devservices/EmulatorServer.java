package dev.patrol.devservices;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The JDK HTTP server both emulators run on: one handler, daemon worker threads (latency injection
 * sleeps on them, so they are not bounded), TCP_NODELAY on.
 */
public final class EmulatorServer implements AutoCloseable {

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle and delayed
        // ACKs add ~40 ms to small answers on loopback. Read once, when the server classes load.
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private EmulatorServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code host:port} (0 picks a free port); fails with a message naming what could not listen. */
    public static EmulatorServer start(String name, String host, int port, HttpHandler handler) {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 256);
            server.createContext("/", handler);
            server.setExecutor(executor);
            server.start();
            return new EmulatorServer(server, executor);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new IllegalStateException(name + " could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public String host() {
        return server.getAddress().getAddress().getHostAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (executor.isShutdown())
            return;
        server.stop(0);
        executor.shutdownNow();
    }
}
