package dev.patrol.vault;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonArray;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.LogicalResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers "may this caller's Vault token do X on path P?" by asking {@code sys/capabilities-self}
 * with the caller's own token (design §4), so access to patrol is plain Vault policy. Answers are
 * cached briefly under a SHA-256 of the token (never the token itself); an invalid token is cached
 * too, so a stream of bad requests costs Vault one call per token per cache period.
 */
public final class CallerAuthorizer {

    private static final int MAX_ENTRIES = 10_000;

    /** What Vault said about a token and path: its capabilities, or that the token is not valid. */
    public record Decision(boolean validToken, Set<String> capabilities) {
        public boolean allows(String capability) {
            return validToken && !capabilities.contains("deny") && (capabilities.contains("root") || capabilities.contains(capability));
        }
    }

    private record Entry(Decision decision, Instant expires) {}

    private final VaultSession session;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public CallerAuthorizer(VaultSession session, Clock clock, Duration ttl) {
        this.session = session;
        this.clock = clock;
        this.ttl = ttl;
    }

    public Decision decide(String callerToken, String path) {
        if (callerToken == null || callerToken.isBlank()) return new Decision(false, Set.of());
        String key = hash(callerToken) + "\n" + path;
        Instant now = clock.instant();
        Entry e = cache.get(key);
        if (e != null && e.expires().isAfter(now)) return e.decision();
        Decision d = ask(callerToken, path);
        if (cache.size() >= MAX_ENTRIES) cache.entrySet().removeIf(x -> !x.getValue().expires().isAfter(now));
        if (cache.size() < MAX_ENTRIES) cache.put(key, new Entry(d, now.plus(ttl)));
        return d;
    }

    private Decision ask(String callerToken, String path) {
        try {
            LogicalResponse r = session.forToken(callerToken).logical()
                    .write("sys/capabilities-self", Map.of("paths", new JsonArray().add(path)));
            int status = r.getRestResponse().getStatus();
            if (status == 403 || status == 401) return new Decision(false, Set.of());
            if (status != 200) {
                throw new VaultClientException("capabilities-self", path, status, VaultErrors.from(r.getRestResponse().getBody()), null);
            }
            JsonValue caps = r.getDataObject().get(path);
            Set<String> out = new LinkedHashSet<>();
            if (caps != null && caps.isArray()) caps.asArray().forEach(v -> out.add(v.asString()));
            return new Decision(true, Set.copyOf(out));
        } catch (VaultException e) {
            if (e.getHttpStatusCode() == 403) return new Decision(false, Set.of());
            throw VaultLogin.failure("capabilities-self", path, e);
        }
    }

    private final Map<String, Entry2> names = new ConcurrentHashMap<>();

    private record Entry2(String name, Instant expires) {}

    /**
     * Who the caller is, for the audit trail: the token's display name (and entity id when it has
     * one) from {@code lookup-self} with the caller's token, cached like capabilities.
     */
    public String displayName(String callerToken) {
        String key = hash(callerToken);
        Instant now = clock.instant();
        Entry2 e = names.get(key);
        if (e != null && e.expires().isAfter(now)) return e.name();
        String name;
        try {
            var self = session.forToken(callerToken).auth().lookupSelf();
            name = self.getDisplayName() == null || self.getDisplayName().isEmpty() ? "token:" + key.substring(0, 12) : self.getDisplayName();
        } catch (VaultException ex) {
            name = "token:" + key.substring(0, 12);
        }
        if (names.size() >= MAX_ENTRIES) names.entrySet().removeIf(x -> !x.getValue().expires().isAfter(now));
        if (names.size() < MAX_ENTRIES) names.put(key, new Entry2(name, now.plus(ttl)));
        return name;
    }

    /** Forgets cached answers (e.g. after a policy change in tests). */
    public void clear() {
        cache.clear();
        names.clear();
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
