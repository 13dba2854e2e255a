package dev.patrol.snowflake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LoginBackoffTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final LoginBackoff backoff = new LoginBackoff(now::get);

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void everyoneLogsInWhileNothingFailed() {
        assertNull(backoff.admit());
        assertNull(backoff.admit());
    }

    @Test
    void afterAFailureCallsFailFastThenOneCallerTriesAgain() {
        backoff.failed(390100, "08004", "Incorrect username or password was specified.");
        LoginBackoff.Unavailable down = backoff.admit();
        assertNotNull(down);
        assertEquals(390100, down.code());
        assertEquals("08004", down.sqlState());
        assertEquals(1000, down.retryInMillis());

        advance(LoginBackoff.FIRST_PAUSE);
        assertNull(backoff.admit(), "the pause is over: one caller may try");
        assertNotNull(backoff.admit(), "while it tries, the others still fail fast");
        backoff.succeeded();
        assertNull(backoff.admit());
        assertNull(backoff.admit());
    }

    @Test
    void thePauseDoublesUpToTheLimitAndASuccessEndsIt() {
        long expected = LoginBackoff.FIRST_PAUSE.toMillis();
        for (int i = 0; i < 12; i++) {
            backoff.failed(0, "08001", "connect timed out");
            assertEquals(Math.min(expected, LoginBackoff.MAX_PAUSE.toMillis()), backoff.admit().retryInMillis(),
                    "failure " + i);
            advance(Duration.ofMillis(Math.min(expected, LoginBackoff.MAX_PAUSE.toMillis())));
            assertNull(backoff.admit());
            expected *= 2;
        }
        backoff.succeeded();
        backoff.failed(0, "08001", "connect timed out");
        assertEquals(LoginBackoff.FIRST_PAUSE.toMillis(), backoff.admit().retryInMillis(), "counting starts again");
    }
}
