package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.snowflake.SnowflakeException;

/**
 * A new secret that never validates (a network policy on the CLI user that does not admit patrol's address): each
 * failed mint leaves a lease its next sweep repairs, and that repair must not count as the connection working again,
 * or the connection mints a token every other sweep forever with its back-off stuck at the first pause.
 */
class ValidationBackoffAttackTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    @Test
    void aSecretThatNeverValidatesIsMintedLessAndLessOften() {
        Connection c = RotationFixture.analystCli();
        List<Instant> mints = new ArrayList<>();
        SnowflakeAdmin refusing = AccountIsolationTest.around(SnowflakeAdmin.class, f.admin, (method, args) -> {
            if (method.equals("addPat"))
                mints.add(f.clock.instant());
            if (method.equals("validate"))
                throw new SnowflakeException("validate new secret", c.user(), 390422, "08004",
                        "Incoming request with IP/Token 10.0.0.9 is not allowed to access Snowflake", null);
        }, null);
        RotationEngine engine = f.engine(List.of(c), Strategy.ROTATE, refusing, f.store);
        for (int sweep = 0; sweep < 24; sweep++) {
            engine.sweep();
            f.clock.advance(Duration.ofSeconds(31));
        }
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < mints.size(); i++)
            gaps.add(Duration.between(mints.get(i - 1), mints.get(i)));
        assertTrue(gaps.size() >= 3, "mints at " + mints);
        for (int i = 1; i < gaps.size(); i++)
            assertTrue(gaps.get(i).compareTo(gaps.get(i - 1)) > 0, "the pause between failed mints grows: " + gaps);
        assertTrue(f.unrecordedActiveTokens(c).size() <= 1, "each lost token is removed by the next repair");
    }
}
