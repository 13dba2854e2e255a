package dev.patrol.snowflake;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.patrol.PatrolException;
import io.quarkus.runtime.StartupEvent;

/**
 * Ready while the rotator can log in to at least one of its Snowflake accounts and run a statement.
 * Each account's state is in the response's data ({@code <id>: UP as <role>}, or why it is down).
 * One account down does not take patrol out of service: fetches come from Vault, revocations and
 * rotations in the other accounts go on, and an unready pod would stop all of them; alerting on the
 * per-account data (or the rotation metrics, labelled by account) names the account instead.
 * Each account is asked on its own, for at most {@link #ANSWER_WITHIN}: a slow account cannot make
 * the probe itself time out, and its login keeps going in the background for the next probe.
 */
@Readiness
@ApplicationScoped
public class SnowflakeHealthCheck implements HealthCheck {

    static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);

    @Inject
    Instance<Accounts> accounts;

    /** Per account: the ping in flight or last finished. */
    private final Map<String, CompletableFuture<String>> pings = new ConcurrentHashMap<>();

    /**
     * Logs the rotator in to every account while the rest of patrol starts: the driver's first login
     * (class loading, key parsing, a session) is most of the time to ready, and the first readiness
     * probe then finds sessions waiting. The clients themselves are made on that thread too (loading
     * the driver is the slow part), so start-up does not wait for them.
     */
    void warmUp(@Observes StartupEvent event) {
        Thread t = new Thread(() -> {
            try {
                accounts.get().all().forEach(this::ping);
            } catch (RuntimeException e) {
                // readiness will say why
            }
        }, "patrol-snowflake-warm-up");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("snowflake");
        Map<String, CompletableFuture<String>> asked = new LinkedHashMap<>();
        for (Accounts.Account a : accounts.get().all())
            asked.put(a.id(), ping(a));
        long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
        boolean anyUp = false;
        for (var e : asked.entrySet()) {
            Accounts.Account a = accounts.get().get(e.getKey());
            String state;
            try {
                state = "UP as " + e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                anyUp = true;
            } catch (TimeoutException t) {
                state = "DOWN: no answer within " + ANSWER_WITHIN.toSeconds() + "s";
            } catch (ExecutionException x) {
                state = "DOWN: " + PatrolException.safeMessage(x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                state = "DOWN: interrupted";
            }
            r.withData(e.getKey(), a.endpoint().account() + " " + state);
        }
        return r.status(anyUp).build();
    }

    /** The account's ping in flight, or a new one once the last has finished. */
    private CompletableFuture<String> ping(Accounts.Account a) {
        return pings.compute(a.id(), (id, last) -> last != null && !last.isDone() ? last
                : CompletableFuture.supplyAsync(() -> a.admin().ping(), r -> {
                    Thread t = new Thread(r, "patrol-snowflake-ping-" + id);
                    t.setDaemon(true);
                    t.start();
                }));
    }
}
