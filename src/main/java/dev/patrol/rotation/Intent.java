package dev.patrol.rotation;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A change to a connection's token that patrol announced in Vault before making it, held as a
 * lease: the one writer of the connection while it lives. It records who owns it, until when, the
 * record version it started from, and the token's facts before the change, so a replica that finds
 * it expired repairs from what was recorded rather than from timestamps alone.
 *
 * @param phase {@link Phase#CHANGING} until the new secret is validated and the owner has claimed
 *        the right to store it; {@link Phase#STORING} from then until the record is written.
 *        A repair must assume a secret in phase STORING may already be (or still get) stored.
 * @param endPrevious the previous token ({@code before}) is to be removed as soon as the new record
 *        is written ({@code expire-previous-after=0h} on a replacement), so a repair that finds
 *        the change completed finishes that too.
 */
public record Intent(Op op, String tokenName, String owner, Instant started, Instant leaseUntil, long fromVersion, Phase phase,
        Before before, boolean endPrevious) {

    public Intent(Op op, String tokenName, String owner, Instant started, Instant leaseUntil, long fromVersion, Phase phase,
            Before before) {
        this(op, tokenName, owner, started, leaseUntil, fromVersion, phase, before, false);
    }

    public enum Op {
        MINT,
        ROTATE,
        ADD,
        CLEANUP
    }

    public enum Phase {
        CHANGING,
        STORING
    }

    /**
     * The token the change starts from: its name, Snowflake's {@code created_on} and its expiry (all absent for a first mint).
     */
    public record Before(String tokenName, Instant createdOn, Instant expiresAt) {
        static final Before NONE = new Before(null, null, null);
    }

    public boolean live(Instant now) {
        return leaseUntil.isAfter(now);
    }

    public Intent storing() {
        return new Intent(op, tokenName, owner, started, leaseUntil, fromVersion, Phase.STORING, before, endPrevious);
    }

    public Intent endingPrevious() {
        return new Intent(op, tokenName, owner, started, leaseUntil, fromVersion, phase, before, true);
    }

    public Intent renewed(Instant newLeaseUntil) {
        return new Intent(op, tokenName, owner, started, newLeaseUntil, fromVersion, phase, before, endPrevious);
    }

    /** The same change taken over by another owner, with a fresh lease. */
    public Intent takenOverBy(String newOwner, Instant newLeaseUntil) {
        return new Intent(op, tokenName, newOwner, started, newLeaseUntil, fromVersion, phase, before, endPrevious);
    }

    private static final String PREFIX = "intent_";

    static Optional<Intent> from(Map<String, String> state) {
        String op = state.get(PREFIX + "op");
        if (op == null)
            return Optional.empty();
        return Optional.of(new Intent(Op.valueOf(op), state.get(PREFIX + "token"),
                state.getOrDefault(PREFIX + "owner", "unknown"),
                Instant.parse(state.get(PREFIX + "started")),
                // an intent written before leases existed is treated as expired
                instant(state.get(PREFIX + "lease_until")).orElse(Instant.EPOCH),
                Long.parseLong(state.get(PREFIX + "from")),
                Phase.valueOf(state.getOrDefault(PREFIX + "phase", Phase.CHANGING.name())),
                new Before(state.get(PREFIX + "before_token"), instant(state.get(PREFIX + "before_created_on")).orElse(null),
                        instant(state.get(PREFIX + "before_expires_at")).orElse(null)),
                "true".equals(state.get(PREFIX + "end_previous"))));
    }

    void into(Map<String, String> m) {
        m.put(PREFIX + "op", op.name());
        m.put(PREFIX + "token", tokenName);
        m.put(PREFIX + "owner", owner);
        m.put(PREFIX + "started", started.toString());
        m.put(PREFIX + "lease_until", leaseUntil.toString());
        m.put(PREFIX + "from", Long.toString(fromVersion));
        m.put(PREFIX + "phase", phase.name());
        if (before.tokenName() != null)
            m.put(PREFIX + "before_token", before.tokenName());
        if (before.createdOn() != null)
            m.put(PREFIX + "before_created_on", before.createdOn().toString());
        if (before.expiresAt() != null)
            m.put(PREFIX + "before_expires_at", before.expiresAt().toString());
        if (endPrevious)
            m.put(PREFIX + "end_previous", "true");
    }

    static void clear(Map<String, String> m) {
        m.keySet().removeIf(k -> k.startsWith(PREFIX));
    }

    private static Optional<Instant> instant(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(s));
    }

}
