package dev.patrol.snowflake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The rotator's client over a driver whose logins fail in chosen ways: its back-off always ends. */
class JdbcLoginBackoffTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** What each login does, in turn: throws the given throwable. */
    final Deque<Throwable> logins = new ArrayDeque<>();
    int attempts;

    final Driver driver = (Driver) Proxy.newProxyInstance(Driver.class.getClassLoader(), new Class<?>[] { Driver.class },
            (proxy, method, args) -> {
                if (!method.getName().equals("connect"))
                    throw new UnsupportedOperationException(method.getName());
                attempts++;
                throw logins.removeFirst();
            });

    final JdbcSnowflakeAdmin admin = new JdbcSnowflakeAdmin(
            JdbcSnowflakeAdmin.Endpoint.of("PATROLTEST", Optional.of("http://127.0.0.1:9")), new Properties(), 2, driver,
            now::get);

    /**
     * The single caller let through to try again after the pause must report however its login ends: an Error from the
     * driver (a class that failed to load, memory) left the account failing fast for good, until a restart.
     */
    @Test
    void anErrorFromTheRetryingLoginDoesNotLeaveTheAccountFailingFastForever() {
        logins.add(new SQLException("connect timed out", "08001", 0));
        assertThrows(SnowflakeException.class, admin::ping);
        assertEquals(1, attempts);

        now.addAndGet(Duration.ofMinutes(5).toNanos());
        logins.add(new NoClassDefFoundError("net/snowflake/client/SomethingMissing"));
        assertThrows(NoClassDefFoundError.class, admin::ping);
        assertEquals(2, attempts);

        now.addAndGet(Duration.ofMinutes(5).toNanos());
        logins.add(new SQLException("connect timed out", "08001", 0));
        SnowflakeException third = assertThrows(SnowflakeException.class, admin::ping);
        assertEquals(3, attempts, "after the pause a login is tried again: " + third.getMessage());
        assertTrue(third.getMessage().contains("connect timed out"), third.getMessage());
    }
}
