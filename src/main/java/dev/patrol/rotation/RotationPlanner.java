package dev.patrol.rotation;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.patrol.config.PatrolConfig.Rotation.Strategy;
import dev.patrol.registry.Connection;
import dev.patrol.snowflake.SnowflakeAdmin.PatInfo;
import dev.patrol.vault.TokenRecord;

/**
 * Decides what a connection needs, from what was observed and the time, without side effects
 * : mint, rotate, replace (add-remove), repair an interrupted change, or nothing; and
 * which of patrol's own old tokens may go. Only tokens {@link #ours} says are this connection's are
 * ever removed; anything else on the user is drift, reported elsewhere.
 */
public final class RotationPlanner {

    public enum Kind {
        NOTHING,
        MINT,
        ROTATE,
        REPLACE,
        REPAIR,
        BUSY,
        SUSPENDED,
        BLOCKED
    }

    public record Plan(Kind kind, String reason, List<String> remove) {
    }

    public static final String TOKEN_PREFIX = "PATROL_";
    public static final String COMMENT_PREFIX = "patrol:";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final Strategy strategy;

    public RotationPlanner(Strategy strategy) {
        this.strategy = strategy;
    }

    /** The token name a connection's secret lives under with strategy rotate (ROTATE keeps it). */
    public static String tokenName(Connection c) {
        return tokenName(c.name());
    }

    /** The token name for a connection name: upper case, {@code -} as {@code _} (so {@code a-b} and {@code a_b} collide). */
    public static String tokenName(String connection) {
        return TOKEN_PREFIX + connection.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** A fresh name for add-remove: the connection's name plus the creation time. */
    public static String replacementName(Connection c, Instant now) {
        return tokenName(c) + "_" + STAMP.format(now);
    }

    public static String comment(Connection c) {
        return COMMENT_PREFIX + c.name();
    }

    /**
     * patrol's own tokens for this connection, matched exactly, never by prefix (so {@code analyst}
     * does not claim {@code PATROL_ANALYST_XL}): the token name, an add-remove replacement
     * ({@code <name>_<yyyyMMddHHmmss>}), or Snowflake's {@code _ROTATED_<digits>} remains of either;
     * and the comment is {@code patrol:<connection>}, which also tells {@code a-b} from {@code a_b}.
     * A remain without a comment is accepted, as Snowflake may not carry it over on rotation.
     */
    public static boolean ours(PatInfo p, Connection c) {
        if (p.name() == null || !ownsName(p.name(), c))
            return false;
        String comment = p.comment();
        if (comment == null || comment.isBlank())
            return p.rotatedTo() != null;
        return comment.equals(comment(c));
    }

    /** Whether a token name is one patrol makes for this connection (see {@link #ours}). */
    public static boolean ownsName(String tokenName, Connection c) {
        return Pattern.matches(Pattern.quote(tokenName(c)) + "(_\\d{14})?(_ROTATED_\\d+)?", tokenName);
    }

    /**
     * What to do now. {@code rotateNow} (an operator's request) turns a current secret into a
     * rotation; it changes nothing else: a missing secret is minted, a changed role still replaces.
     */
    public Plan plan(Connection c, Optional<TokenRecord> record, List<PatInfo> pats, ConnectionState state, Instant now,
            boolean rotateNow) {
        if (state.suspended())
            return new Plan(Kind.SUSPENDED, "suspended", List.of());
        if (state.intent().isPresent()) {
            Intent i = state.intent().get();
            if (i.live(now))
                return new Plan(Kind.BUSY, "a change by " + i.owner() + " is in flight until " + i.leaseUntil(), List.of());
            return new Plan(Kind.REPAIR, "an interrupted change by " + i.owner() + " (lease ended " + i.leaseUntil() + ")",
                    List.of());
        }
        List<String> remove = cleanup(c, record, pats, now);
        if (record.isEmpty())
            return new Plan(Kind.MINT, "no secret yet", remove);
        TokenRecord r = record.get();
        PatInfo current = pats.stream().filter(p -> p.name().equals(r.tokenName())).findFirst().orElse(null);
        if (current == null)
            return new Plan(Kind.MINT, "the recorded token is gone from Snowflake", remove);
        if ("EXPIRED".equals(current.status()) || !r.expiresAt().isAfter(now))
            return new Plan(Kind.MINT, "the recorded token expired", remove);
        if ("DISABLED".equals(current.status())) {
            // Someone disabled it on purpose (or disabled the user): minting around that would undo their decision.
            return new Plan(Kind.BLOCKED, "the recorded token is disabled in Snowflake", remove);
        }
        if (!r.role().equals(c.role()))
            return new Plan(Kind.REPLACE, "the role changed from " + r.role() + " to " + c.role(), remove);
        long lifetimeDays = Math.round(Duration.between(r.createdAt(), r.expiresAt()).toHours() / 24.0);
        if (lifetimeDays != c.daysToExpiry()) {
            return new Plan(Kind.REPLACE, "the lifetime changed from " + lifetimeDays + " to " + c.daysToExpiry() + " days",
                    remove);
        }
        Duration age = Duration.between(r.createdAt(), now);
        Duration left = Duration.between(now, r.expiresAt());
        if (rotateNow || age.compareTo(c.period()) >= 0 || left.compareTo(c.period().plus(c.grace())) <= 0) {
            String why = rotateNow ? "rotate now"
                    : age.compareTo(c.period()) >= 0 ? "older than " + c.period()
                            : "expires within " + c.period().plus(c.grace());
            return new Plan(strategy == Strategy.ROTATE ? Kind.ROTATE : Kind.REPLACE, why, remove);
        }
        return new Plan(Kind.NOTHING, "current", remove);
    }

    /**
     * patrol's old tokens that may go now: expired {@code _ROTATED_} ones; replaced ones once the
     * grace after their replacement has passed; and any newer than the record (a lost secret).
     */
    List<String> cleanup(Connection c, Optional<TokenRecord> record, List<PatInfo> pats, Instant now) {
        List<String> out = new ArrayList<>();
        String current = record.map(TokenRecord::tokenName).orElse(tokenName(c));
        for (PatInfo p : pats) {
            if (!ours(p, c) || p.name().equals(current))
                continue;
            if (p.rotatedTo() != null) {
                if ("EXPIRED".equals(p.status()))
                    out.add(p.name());
            } else if (record.isEmpty()) {
                out.add(p.name());
            } else {
                Instant replacedAt = record.get().createdAt();
                boolean lost = p.createdOn() != null && p.createdOn().isAfter(replacedAt);
                if (lost || !now.isBefore(replacedAt.plus(c.grace())) || "EXPIRED".equals(p.status()))
                    out.add(p.name());
            }
        }
        return out;
    }
}
