package dev.patrol.rotation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Bounded pools of named daemon threads for patrol's parallel work, and an interrupt-preserving sleep. */
public final class Workers {

    private Workers() {
    }

    public static ExecutorService pool(String name, int size) {
        return Executors.newFixedThreadPool(size, daemonThreads(name));
    }

    /** A pool that grows as needed, for a few long waits that must not queue behind each other (one per account). */
    public static ExecutorService growing(String name) {
        return Executors.newCachedThreadPool(daemonThreads(name));
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The results of work that guards its own failures, in order. A task that throws anyway is a bug,
     * reported as such. An interrupt (patrol stopping) stops the wait with an exception, never with a
     * partial list that could pass for the whole.
     */
    public static <T> List<T> joinAll(List<Future<T>> futures) {
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures)
            out.add(join(f, Long.MAX_VALUE).orElseThrow());
        return out;
    }

    /** The result of work that guards its own failures, as {@link #joinAll}; empty if it has not ended within {@code nanos}. */
    public static <T> Optional<T> join(Future<T> f, long nanos) {
        try {
            return Optional.of(f.get(nanos, TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel work");
        } catch (ExecutionException e) {
            throw new IllegalStateException("unexpected failure outside the per-item guard", e.getCause());
        }
    }

    /** Sleeps for back-off; an interrupt ends the sleep and stays set for the caller to see. */
    public static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
