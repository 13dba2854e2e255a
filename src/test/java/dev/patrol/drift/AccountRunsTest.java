package dev.patrol.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.patrol.snowflake.Accounts;

/** Per-account runs: joined while going on, never stuck after a failure. Latches hold a run; nothing sleeps. */
class AccountRunsTest {

    static final Accounts.Account A = new Accounts.Account("a", null, null, null);
    static final Accounts.Account B = new Accounts.Account("b", null, null, null);
    static final Function<Accounts.Account, List<String>> STILL = a -> List.of(a.id() + ": still running");

    /** While an account's run is held, reports and background starts join it: one run, one thread on it. */
    @Test
    void reportsAndStartsJoinTheRunGoingOn() throws Exception {
        AccountRuns<String> runs = new AccountRuns<>("Test run", "test-runs");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Function<Accounts.Account, List<String>> work = a -> {
            started.incrementAndGet();
            if (a == B) {
                entered.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return List.of(a.id() + ": done");
        };
        runs.start(List.of(B), work);
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            runs.start(List.of(B), work);
            assertEquals(List.of("b: still running"), runs.run(List.of(B), work, STILL, Duration.ZERO));
        }
        assertEquals(1, started.get(), "one run of the held account");
        // the other account is not held up by it
        assertEquals(List.of("a: done"), runs.run(List.of(A), work, STILL, AccountRuns.NO_LIMIT));
        release.countDown();
        assertEquals(List.of("b: done"), runs.run(List.of(B), work, STILL, AccountRuns.NO_LIMIT));
    }

    /**
     * A run that throws outside its own guard (an Error) ends: the report that waited for it fails without the cause's
     * message, and the next report starts a new run instead of finding the account still running.
     */
    @Test
    void aRunThatThrowsLeavesNoAccountRunning() {
        AccountRuns<String> runs = new AccountRuns<>("Test run", "test-runs");
        AtomicInteger calls = new AtomicInteger();
        Function<Accounts.Account, List<String>> work = a -> {
            if (calls.incrementAndGet() == 1)
                throw new AssertionError("secret-in-message");
            return List.of(a.id() + ": done");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runs.run(List.of(A), work, STILL, AccountRuns.NO_LIMIT));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertEquals(List.of("a: done"), runs.run(List.of(A), work, STILL, AccountRuns.NO_LIMIT));
        assertEquals(2, calls.get());
    }
}
