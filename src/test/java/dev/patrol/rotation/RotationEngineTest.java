package dev.patrol.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.rotation.RotationEngine.Result;
import dev.patrol.snowflake.Secret;
import dev.patrol.snowflake.SnowflakeAdmin;
import dev.patrol.vault.CasConflictException;
import dev.patrol.vault.SecretStore;
import dev.patrol.vault.TokenRecord;
import dev.patrol.vault.Versioned;

/** The rotation engine against both emulators through the real drivers (design §5, issue 4). */
class RotationEngineTest {

    @RegisterExtension
    final RotationFixture f = new RotationFixture();

    final Connection cli = RotationFixture.analystCli();

    TokenRecord record() {
        return f.store.current(cli.name()).orElseThrow().value();
    }

    List<String> tokenNames() {
        return f.sql("SHOW USER PATS FOR USER ANALYST_CLI").stream().map(r -> r.get("name")).toList();
    }

    @Test
    void firstSweepMintsAWorkingRestrictedSecret() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        assertEquals(Result.MINTED, engine.sweep().of("analyst_cli").orElseThrow().result());
        TokenRecord r = record();
        assertEquals("PATROL_ANALYST_CLI", r.tokenName());
        assertEquals("ANALYST_CLI_ROLE", r.role());
        assertEquals("PATROLDEV", r.account());
        assertEquals(Duration.ofDays(30), Duration.between(r.createdAt(), r.expiresAt()));
        assertEquals("ANALYST_WH", r.parameters().get("warehouse"));
        assertEquals("http", r.parameters().get("protocol"));
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", r.token()));
        Map<String, String> shown = f.sql("SHOW USER PATS FOR USER ANALYST_CLI").get(0);
        assertEquals("ANALYST_CLI_ROLE", shown.get("role_restriction"));
        assertEquals("patrol:analyst_cli", shown.get("comment"));
        assertEquals(Result.UNCHANGED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertEquals(1, f.store.currentVersion("analyst_cli"));
        assertTrue(f.meters.get("patrol.rotations").tag("outcome", "minted").counter().count() >= 1);
    }

    @Test
    void rotationKeepsThePreviousSecretForTheGraceWindowOnly() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        String first = record().token();
        f.clock.advance(Duration.ofDays(6));
        assertEquals(Result.UNCHANGED, engine.sweep().of("analyst_cli").orElseThrow().result());
        f.clock.advance(Duration.ofDays(1).plusMinutes(1));
        assertEquals(Result.ROTATED, engine.sweep().of("analyst_cli").orElseThrow().result());
        String second = record().token();
        assertNotEquals(first, second);
        assertEquals("PATROL_ANALYST_CLI", record().tokenName());
        assertEquals(first, f.store.version("analyst_cli", 1).orElseThrow().value().token(),
                "history keeps the previous record");
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", first),
                "the previous secret works during the grace window");
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", second));
        f.clock.advance(Duration.ofHours(24).plusMinutes(1));
        assertThrows(SQLException.class, () -> f.loginRole("ANALYST_CLI", first), "and fails after it");
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", second));
        RotationEngine.Outcome cleanup = engine.sweep().of("analyst_cli").orElseThrow();
        assertEquals(1, cleanup.removed().size(), cleanup.toString());
        assertEquals(List.of("PATROL_ANALYST_CLI"), tokenNames());
    }

    @Test
    void addRemoveReplacesTheTokenWhenTheRoleChanges() throws Exception {
        f.engine(List.of(cli), Strategy.ROTATE).sweep();
        String old = record().tokenName();
        f.sql("CREATE ROLE ANALYST_CLI_ROLE_V2");
        f.sql("GRANT ROLE ANALYST_CLI_ROLE_V2 TO USER ANALYST_CLI");
        f.sql("REVOKE ROLE ANALYST_CLI_ROLE FROM USER ANALYST_CLI");
        Connection changed = RotationFixture.connection("analyst_cli", "ANALYST_CLI", "ANALYST_CLI_ROLE_V2");
        RotationEngine engine = f.engine(List.of(changed), Strategy.ROTATE);
        RotationEngine.Outcome o = engine.sweep().of("analyst_cli").orElseThrow();
        assertEquals(Result.REPLACED, o.result(), o.detail());
        assertTrue(o.detail().contains("role changed"));
        assertTrue(record().tokenName().startsWith("PATROL_ANALYST_CLI_"));
        assertEquals("ANALYST_CLI_ROLE_V2", f.loginRole("ANALYST_CLI", record().token()));
        assertTrue(tokenNames().contains(old), "the old token stays for the grace window");
        f.clock.advance(Duration.ofHours(24).plusMinutes(1));
        assertEquals(List.of(old), engine.sweep().of("analyst_cli").orElseThrow().removed());
        assertFalse(tokenNames().contains(old));
    }

    @Test
    void addRemoveStrategyRotatesWithNewNames() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ADD_REMOVE);
        engine.sweep();
        String first = record().tokenName();
        f.clock.advance(Duration.ofDays(7).plusMinutes(1));
        assertEquals(Result.REPLACED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertNotEquals(first, record().tokenName());
        assertEquals(2, tokenNames().size());
        f.clock.advance(Duration.ofHours(25));
        engine.sweep();
        assertEquals(List.of(record().tokenName()), tokenNames());
    }

    @Test
    void guardrailsRefuseAndNothingIsMinted() {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        f.sql("ALTER USER ANALYST_CLI SET TYPE = PERSON");
        RotationEngine.Outcome person = engine.sweep().of("analyst_cli").orElseThrow();
        assertEquals(Result.BLOCKED, person.result());
        assertTrue(person.detail().contains("TYPE=PERSON"), person.detail());
        assertTrue(f.store.state("analyst_cli").orElseThrow().value().get("blocked_reason").contains("TYPE=PERSON"));
        f.sql("ALTER USER ANALYST_CLI SET TYPE = SERVICE");
        f.sql("GRANT ROLE SYSADMIN TO USER ANALYST_CLI");
        RotationEngine.Outcome extra = engine.sweep().of("analyst_cli").orElseThrow();
        assertEquals(Result.BLOCKED, extra.result());
        assertTrue(extra.detail().contains("SYSADMIN"), extra.detail());
        f.sql("REVOKE ROLE SYSADMIN FROM USER ANALYST_CLI");
        f.sql("REVOKE ROLE ANALYST_CLI_ROLE FROM USER ANALYST_CLI");
        assertTrue(engine.sweep().of("analyst_cli").orElseThrow().detail().contains("does not hold"));
        Connection ghost = RotationFixture.connection("ghost", "NO_SUCH_USER", "ANALYST_CLI_ROLE");
        assertEquals(Result.BLOCKED, f.engine(List.of(ghost), Strategy.ROTATE).sweep().of("ghost").orElseThrow().result());
        assertEquals(0, f.statementsMatching("ADD PAT"), "nothing was minted");
        assertEquals(1.0, f.meters.get("patrol.connections.blocked").gauge().value(), 0.0);
        f.sql("GRANT ROLE ANALYST_CLI_ROLE TO USER ANALYST_CLI");
        assertEquals(Result.MINTED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertFalse(f.store.state("analyst_cli").orElseThrow().value().containsKey("blocked_reason"));
    }

    @Test
    void neverMoreThanFifteenTokens() {
        for (int i = 1; i <= 15; i++)
            f.sql("ALTER USER ANALYST_CLI ADD PAT OTHER_" + i + " ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        RotationEngine.Outcome full = engine.sweep().of("analyst_cli").orElseThrow();
        assertEquals(Result.FAILED, full.result());
        assertTrue(full.detail().contains("15"), full.detail());
        assertEquals(15, tokenNames().size());
        assertEquals(Result.BACKING_OFF, engine.sweep().of("analyst_cli").orElseThrow().result());
        f.sql("ALTER USER ANALYST_CLI REMOVE PAT OTHER_1");
        f.clock.advance(Duration.ofMinutes(1));
        assertEquals(Result.MINTED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertEquals(15, tokenNames().size());
        // rotating needs room for the previous secret's grace: none left, so no rotation and no 16th token
        f.clock.advance(Duration.ofDays(7).plusMinutes(1));
        assertEquals(Result.FAILED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertEquals(15, tokenNames().size());
    }

    @Test
    void vaultUnavailableMeansNoRotation() {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        String held = record().token();
        f.clock.advance(Duration.ofDays(8));
        f.vault.faults().unavailable(true);
        assertFalse(engine.sweep().ran());
        f.vault.faults().sealed(false);
        f.vault.faults().reset();
        assertEquals(0, f.statementsMatching("ROTATE PAT"));
        assertEquals(held, record().token());
    }

    @Test
    void snowflakeUnavailableKeepsTheSecretAndBacksOff() throws Exception {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        engine.sweep();
        String held = record().token();
        f.clock.advance(Duration.ofDays(8));
        f.snowflake.faults().failNextStatementsMatching(1, "ROTATE", "000625", "57014",
                "Statement reached its statement or warehouse timeout");
        assertEquals(Result.FAILED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertEquals(held, record().token());
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", held));
        assertEquals(Result.BACKING_OFF, engine.sweep().of("analyst_cli").orElseThrow().result());
        f.clock.advance(Duration.ofSeconds(31));
        // the intent written before the failed ROTATE is repaired by looking: nothing had happened
        assertEquals(Result.REPAIRED, engine.sweep().of("analyst_cli").orElseThrow().result());
        assertEquals(Result.ROTATED, engine.sweep().of("analyst_cli").orElseThrow().result());
    }

    @Test
    void secretsNeverReachAuditEventsOrOutcomes() {
        RotationEngine engine = f.engine(List.of(cli), Strategy.ROTATE);
        RotationEngine.SweepReport report = engine.sweep();
        String secret = record().token();
        assertFalse(report.toString().contains(secret));
        assertFalse(record().toString().contains(secret));
        assertFalse(f.meters.getMeters().stream().anyMatch(m -> m.getId().toString().contains(secret)));
        assertTrue(f.snowflake.statements().stream().noneMatch(s -> s.sql().contains(secret)), "no secret in any SQL text");
    }

    // ---------------------------------------------------------------- crash safety (design §5.1)

    /** A crash at a step boundary: the step has happened, then the process dies. */
    static final class Crash extends RuntimeException {
        Crash(String where) {
            super("simulated crash " + where);
        }
    }

    enum Step {
        AFTER_INTENT,
        AFTER_ROTATE,
        AFTER_VALIDATE,
        AFTER_RECORD
    }

    /** Set at the crash: a dead process makes no further call to Snowflake or Vault. */
    final java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();

    <T> T alive(java.util.function.Supplier<T> call) {
        if (dead.get())
            throw new Crash("(dead process)");
        return call.get();
    }

    Crash die(String where) {
        dead.set(true);
        return new Crash(where);
    }

    SnowflakeAdmin crashingAdmin(Step step) {
        SnowflakeAdmin real = f.admin;
        return new SnowflakeAdmin() {
            public UserFacts describeUser(String user) {
                return alive(() -> real.describeUser(user));
            }

            public List<PatInfo> listPats(String user) {
                return alive(() -> real.listPats(user));
            }

            public Added addPat(String u, String n, String r, int d, String c) {
                return alive(() -> real.addPat(u, n, r, d, c));
            }

            public Rotated rotatePat(String u, String n, int h) {
                Rotated r = alive(() -> real.rotatePat(u, n, h));
                if (step == Step.AFTER_ROTATE)
                    throw die("after ROTATE");
                return r;
            }

            public void removePat(String u, String n) {
                alive(() -> {
                    real.removePat(u, n);
                    return null;
                });
            }

            public String validate(String u, String r, Secret s) {
                String role = alive(() -> real.validate(u, r, s));
                if (step == Step.AFTER_VALIDATE)
                    throw die("after validation");
                return role;
            }

            public String account() {
                return real.account();
            }

            public String ping() {
                return real.ping();
            }

            public void disableUser(String u) {
                real.disableUser(u);
            }

            public void disablePat(String u, String n) {
                real.disablePat(u, n);
            }

            public List<Map<String, String>> read(String sql) {
                return real.read(sql);
            }
        };
    }

    SecretStore crashingStore(Step step) {
        SecretStore real = f.store;
        return new SecretStore() {
            public Optional<Versioned<TokenRecord>> current(String c) {
                return alive(() -> real.current(c));
            }

            public Optional<Versioned<TokenRecord>> version(String c, long v) {
                return alive(() -> real.version(c, v));
            }

            public long currentVersion(String c) {
                return alive(() -> real.currentVersion(c));
            }

            public long write(String c, TokenRecord r, long v) {
                long n = alive(() -> real.write(c, r, v));
                if (step == Step.AFTER_RECORD)
                    throw die("after the record write");
                return n;
            }

            public void destroyAll(String c) {
                alive(() -> {
                    real.destroyAll(c);
                    return null;
                });
            }

            public Optional<Versioned<Map<String, String>>> state(String n) {
                return alive(() -> real.state(n));
            }

            public long writeState(String n, Map<String, String> s, long v) throws CasConflictException {
                long x = alive(() -> real.writeState(n, s, v));
                if (step == Step.AFTER_INTENT && s.containsKey("intent_op"))
                    throw die("after the intent write");
                return x;
            }

            public List<String> connections() {
                return real.connections();
            }
        };
    }

    /** Active patrol tokens whose secret no Vault version holds. */
    Set<String> unrecordedActiveTokens() {
        return f.unrecordedActiveTokens(cli);
    }

    /** One crash per step boundary, each on fresh emulators (a new test instance per step). */
    @ParameterizedTest
    @EnumSource(Step.class)
    void aCrashAtAnyStepLeavesAWorkingSecretAndTheNextSweepRepairs(Step step) throws Exception {
        f.engine(List.of(cli), Strategy.ROTATE).sweep();
        String held = record().token();
        f.clock.advance(Duration.ofDays(7).plusMinutes(1));
        RotationEngine crashing = f.engine(List.of(cli), Strategy.ROTATE, crashingAdmin(step), crashingStore(step));
        assertEquals(Result.FAILED, crashing.sweep().of("analyst_cli").orElseThrow().result());
        // whatever happened, Vault holds a secret that works with the right role
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", record().token()));
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", held), "the secret people hold still works");
        assertTrue(unrecordedActiveTokens().size() <= 1, unrecordedActiveTokens().toString());
        // a fresh engine (the restarted process) waits out the dead owner's lease, then finishes or repairs
        assertEquals(Result.BUSY, f.engine(List.of(cli), Strategy.ROTATE).process(cli, RotationEngine.Request.SWEEP).result(),
                "a live lease is nobody else's to repair");
        f.clock.advance(RotationFixture.LEASE.plusSeconds(1));
        RotationEngine fresh = f.engine(List.of(cli), Strategy.ROTATE);
        RotationEngine.Outcome repaired = fresh.sweep().of("analyst_cli").orElseThrow();
        assertTrue(Set.of(Result.REPAIRED, Result.ROTATED).contains(repaired.result()), repaired.toString());
        assertFalse(f.store.state("analyst_cli").orElseThrow().value().containsKey("intent_op"), "intent cleared");
        assertEquals("ANALYST_CLI_ROLE", f.loginRole("ANALYST_CLI", record().token()));
        fresh.sweep();
        fresh.sweep();
        assertEquals(Set.of(), unrecordedActiveTokens());
        assertTrue(record().createdAt().isAfter(f.clock.instant().minus(RotationFixture.LEASE).minus(Duration.ofMinutes(5))),
                "rotated in the end");
    }

    // ---------------------------------------------------------------- replicas

    @Test
    void twoEnginesSweepingAtOnceRotateEachDueConnectionOnce() throws Exception {
        List<Connection> connections = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            f.addCliUser("CLI_" + i, "CLI_ROLE_" + i);
            connections.add(RotationFixture.connection("cli-" + i, "CLI_" + i, "CLI_ROLE_" + i));
        }
        f.engine(connections, Strategy.ROTATE).sweep();
        f.clock.advance(Duration.ofDays(7).plusMinutes(1));
        RotationEngine a = f.engine(connections, Strategy.ROTATE);
        RotationEngine b = f.engine(connections, Strategy.ROTATE);
        CompletableFuture<RotationEngine.SweepReport> ra = CompletableFuture.supplyAsync(a::sweep);
        CompletableFuture<RotationEngine.SweepReport> rb = CompletableFuture.supplyAsync(b::sweep);
        List<RotationEngine.SweepReport> reports = List.of(ra.get(), rb.get());
        assertEquals(6, f.statementsMatching("ROTATE PAT"), "each due connection rotated exactly once");
        long rotatedOutcomes = reports.stream().flatMap(r -> r.outcomes().stream()).filter(o -> o.result() == Result.ROTATED)
                .count();
        assertEquals(6, rotatedOutcomes);
        for (Connection c : connections)
            assertEquals(2, f.store.currentVersion(c.name()), c.name());
        // without the lock (it expired mid-sweep), per-connection intents still keep rotations single
        RotationEngine forced = f.engine(connections, Strategy.ROTATE);
        f.clock.advance(Duration.ofDays(7).plusMinutes(1));
        Connection one = connections.get(0);
        CompletableFuture<RotationEngine.Outcome> x = CompletableFuture
                .supplyAsync(() -> safely(() -> forced.process(one, RotationEngine.Request.SWEEP)));
        CompletableFuture<RotationEngine.Outcome> y = CompletableFuture
                .supplyAsync(() -> safely(() -> a.process(one, RotationEngine.Request.SWEEP)));
        x.get();
        y.get();
        assertEquals(7, f.statementsMatching("ROTATE PAT"));
        assertEquals(3, f.store.currentVersion(one.name()));
    }

    static RotationEngine.Outcome safely(java.util.function.Supplier<RotationEngine.Outcome> s) {
        try {
            return s.get();
        } catch (CasConflictException e) {
            return new RotationEngine.Outcome("lost", Result.FAILED, e.getMessage(), List.of());
        }
    }
}
