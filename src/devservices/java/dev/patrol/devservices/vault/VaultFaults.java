package dev.patrol.devservices.vault;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults the Vault emulator injects for tests of patrol's failure handling: sealed (503 on every
 * path, {@code sys/health} says sealed), unavailable (connections dropped), added latency per
 * request, and an error status for the next N requests.
 */
public final class VaultFaults {

    private volatile boolean sealed;
    private volatile boolean unavailable;
    private volatile Duration latency = Duration.ZERO;
    private final AtomicInteger dropNext = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus = 500;

    public void sealed(boolean sealed) {
        this.sealed = sealed;
    }

    /** While on, every request is answered by closing the connection, as if Vault were down. */
    public void unavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public void latency(Duration latency) {
        this.latency = latency;
    }

    /** The next {@code count} requests (health included) fail with this 5xx status. */
    public void failNextRequests(int count, int status) {
        this.failStatus = status;
        failNext.set(count);
    }

    public void dropNextRequests(int count) {
        dropNext.set(count);
    }

    public void reset() {
        sealed = false;
        unavailable = false;
        latency = Duration.ZERO;
        dropNext.set(0);
        failNext.set(0);
    }

    boolean sealed() {
        return sealed;
    }

    Duration latency() {
        return latency;
    }

    boolean takeDrop() {
        return unavailable || dropNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    Integer takeFailure() {
        return failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 ? failStatus : null;
    }
}
