package dev.patrol.vault;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonArray;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;

/**
 * Answers "may this caller's Vault token do X on path P?" by asking {@code sys/capabilities-self}
 * with the caller's own token, so access to patrol is plain Vault policy. Answers are
 * cached briefly under a SHA-256 of the token (never the token itself).
 *
 * <p>
 * The bound: an answer that lets the request through is reused for less than {@code ttl}
 * ({@code patrol.vault.caller-cache-ttl}) counted from before Vault was asked, so a revoked token or
 * a capability taken away stops working within {@code ttl} of the change in Vault. A refusal (invalid
 * token, or no such capability) is reused for half of that at most, so a refusal is never kept
 * longer than a grant, and a new grant works sooner. The cache holds at most {@code maxEntries}
 * answers and evicts the least recently used in constant time, so a flood of distinct tokens costs
 * Vault calls but never a scan or a full clear.
 */
public final class CallerAuthorizer {

    static final int MAX_ENTRIES = 10_000;

    /** What Vault said about a token and path: its capabilities, or that the token is not valid. */
    public record Decision(boolean validToken, Set<String> capabilities) {
        public boolean allows(String capability) {
            return validToken && !capabilities.contains("deny")
                    && (capabilities.contains("root") || capabilities.contains(capability));
        }

        /** Whether the token may do anything at all on the path. */
        public boolean grantsAny() {
            return validToken && !capabilities.contains("deny") && !capabilities.isEmpty();
        }
    }

    private record Entry<V>(V value, Instant askedAt) {
    }

    /**
     * Access-ordered and size-bounded: get and put are O(1), and a full map drops its least recently
     * used entry on insert. Expired entries are not swept; they are replaced on the next ask or evicted.
     */
    static final class Lru<V> {
        private final LinkedHashMap<String, Entry<V>> map;

        Lru(int maxEntries) {
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Entry<V>> eldest) {
                    return size() > maxEntries;
                }
            };
        }

        synchronized Entry<V> get(String key) {
            return map.get(key);
        }

        synchronized void put(String key, Entry<V> e) {
            map.put(key, e);
        }

        synchronized int size() {
            return map.size();
        }

        synchronized void clear() {
            map.clear();
        }
    }

    private final VaultSession session;
    private final Clock clock;
    private final Duration ttl;
    private final Duration refusalTtl;
    private final Lru<Decision> cache;
    private final Lru<String> names;

    public CallerAuthorizer(VaultSession session, Clock clock, Duration ttl) {
        this(session, clock, ttl, MAX_ENTRIES);
    }

    CallerAuthorizer(VaultSession session, Clock clock, Duration ttl, int maxEntries) {
        this.session = session;
        this.clock = clock;
        this.ttl = ttl.isNegative() ? Duration.ZERO : ttl;
        this.refusalTtl = this.ttl.dividedBy(2);
        this.cache = new Lru<>(maxEntries);
        this.names = new Lru<>(maxEntries);
    }

    /** The longest a grant is reused: {@code caller-cache-ttl}. */
    public Duration grantTtl() {
        return ttl;
    }

    /** The longest a refusal is reused: half of {@code caller-cache-ttl}. */
    public Duration refusalTtl() {
        return refusalTtl;
    }

    /** What the token may do on the path; fresh while it grants anything, per {@link #grantTtl}, else {@link #refusalTtl}. */
    public Decision decide(String callerToken, String path) {
        return decide(callerToken, path, null);
    }

    /**
     * What the token may do on the path, judged as a grant or a refusal of {@code capability}
     * (any capability when null) for how long a cached answer may be reused.
     */
    public Decision decide(String callerToken, String path, String capability) {
        if (callerToken == null || callerToken.isBlank())
            return new Decision(false, Set.of());
        String key = hash(callerToken) + "\n" + path;
        // Taken before asking Vault: the answer cannot reflect a change made after this instant.
        Instant now = clock.instant();
        Entry<Decision> e = cache.get(key);
        if (e != null && fresh(e, now, capability == null ? e.value().grantsAny() : e.value().allows(capability)))
            return e.value();
        Decision d = ask(callerToken, path);
        cache.put(key, new Entry<>(d, now));
        return d;
    }

    private boolean fresh(Entry<?> e, Instant now, boolean grant) {
        return !now.isBefore(e.askedAt()) && now.isBefore(e.askedAt().plus(grant ? ttl : refusalTtl));
    }

    /** How many answers are cached (at most the bound given at construction). */
    int cachedAnswers() {
        return cache.size();
    }

    private Decision ask(String callerToken, String path) {
        try {
            LogicalResponse r = session.forToken(callerToken).logical()
                    .write("sys/capabilities-self", Map.of("paths", new JsonArray().add(path)));
            int status = r.getRestResponse().getStatus();
            if (status == 403 || status == 401)
                return new Decision(false, Set.of());
            if (status != 200) {
                throw new VaultClientException("capabilities-self", path, status,
                        VaultErrors.from(r.getRestResponse().getBody()), null);
            }
            JsonValue caps = r.getDataObject().get(path);
            Set<String> out = new LinkedHashSet<>();
            if (caps != null && caps.isArray())
                caps.asArray().forEach(v -> out.add(v.asString()));
            return new Decision(true, Set.copyOf(out));
        } catch (VaultException e) {
            if (e.getHttpStatusCode() == 403)
                return new Decision(false, Set.of());
            throw VaultLogin.failure("capabilities-self", path, e);
        }
    }

    /**
     * Who the caller is, for the audit trail: the token's display name (and entity id when it has
     * one) from {@code lookup-self} with the caller's token, cached like a grant. Only ever asked
     * after {@link #decide} let the request through, so it authorises nothing.
     */
    public String displayName(String callerToken) {
        String key = hash(callerToken);
        Instant now = clock.instant();
        Entry<String> e = names.get(key);
        if (e != null && fresh(e, now, true))
            return e.value();
        String name;
        try {
            var self = session.forToken(callerToken).auth().lookupSelf();
            name = self.getDisplayName() == null || self.getDisplayName().isEmpty() ? "token:" + key.substring(0, 12)
                    : self.getDisplayName();
        } catch (VaultException ex) {
            name = "token:" + key.substring(0, 12);
        }
        names.put(key, new Entry<>(name, now));
        return name;
    }

    /** Forgets cached answers (e.g. after a policy change in tests). */
    public void clear() {
        cache.clear();
        names.clear();
    }

    static String hash(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
