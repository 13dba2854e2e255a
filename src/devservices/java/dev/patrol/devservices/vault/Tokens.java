package dev.patrol.devservices.vault;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The token store: issuing, looking up (expired tokens vanish on lookup), renewing and revoking
 * tokens, the {@code auth/token/*} endpoints, and the {@code auth} block every login answers with.
 * Callers hold the emulator's lock.
 */
final class Tokens {

    static final Duration DEFAULT_TTL = Duration.ofHours(768);
    static final Duration MAX_TTL = Duration.ofHours(768);

    static final class Token {
        final String id;
        final String accessor;
        final List<String> policies;
        final Instant created;
        final Duration creationTtl;
        Instant expires; // null: never (root)
        final Instant maxExpires;
        final boolean renewable;
        final String displayName;
        final Map<String, String> meta;
        final String path;
        final boolean orphan;
        final List<Cidrs.Block> boundCidrs;

        Token(String id, String accessor, List<String> policies, Instant created, Duration ttl, Instant maxExpires,
                boolean renewable, String displayName, Map<String, String> meta, String path, boolean orphan,
                List<Cidrs.Block> boundCidrs) {
            this.id = id;
            this.accessor = accessor;
            this.policies = policies;
            this.created = created;
            this.creationTtl = ttl;
            this.expires = ttl == null ? null : created.plus(ttl);
            this.maxExpires = maxExpires;
            this.renewable = renewable;
            this.displayName = displayName;
            this.meta = meta;
            this.path = path;
            this.orphan = orphan;
            this.boundCidrs = boundCidrs;
        }

        boolean root() {
            return policies.contains("root");
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Acl acl;
    private final Map<String, Token> tokens = new HashMap<>();

    Tokens(Clock clock, Acl acl) {
        this.clock = clock;
        this.acl = acl;
    }

    void addRoot(String id) {
        tokens.put(id, new Token(id, newId("acc."), List.of("root"), clock.instant(), null, null, false, "root", Map.of(),
                "auth/token/root", true, List.of()));
    }

    /** The live token with this id usable from this address, or null (an expired one is dropped). */
    Token valid(String id, InetAddress from) {
        Token token = id == null ? null : tokens.get(id);
        if (token != null && token.expires != null && !token.expires.isAfter(clock.instant())) {
            tokens.remove(id);
            return null;
        }
        if (token != null && !Cidrs.allows(token.boundCidrs, from))
            return null;
        return token;
    }

    /** Revokes every token a login at this path issued (disabling an auth method does that). */
    void revokeIssuedAt(String loginPath) {
        tokens.values().removeIf(t -> t.path.equals(loginPath));
    }

    /** The token with this id, expired or not (for lookups by an administrator). */
    Token get(String id) {
        return tokens.get(id);
    }

    Token issue(List<String> tokenPolicies, Duration ttl, Duration maxTtl, boolean renewable, String displayName,
            Map<String, String> meta, String path, boolean orphan) {
        return issue(tokenPolicies, ttl, maxTtl, renewable, displayName, meta, path, orphan, List.of());
    }

    Token issue(List<String> tokenPolicies, Duration ttl, Duration maxTtl, boolean renewable, String displayName,
            Map<String, String> meta, String path, boolean orphan, List<Cidrs.Block> boundCidrs) {
        Set<String> ps = new LinkedHashSet<>();
        if (!tokenPolicies.contains("root"))
            ps.add("default");
        ps.addAll(tokenPolicies);
        Instant now = clock.instant();
        Duration effective = ttl == null || ttl.isZero() ? DEFAULT_TTL : ttl;
        Duration max = maxTtl == null || maxTtl.isZero() ? MAX_TTL : maxTtl;
        if (effective.compareTo(max) > 0)
            effective = max;
        Token t = new Token(newId("hvs."), newId(""), List.copyOf(ps), now, effective, now.plus(max), renewable, displayName,
                Map.copyOf(meta), path, orphan, boundCidrs);
        tokens.put(t.id, t);
        return t;
    }

    private String newId(String prefix) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++)
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }

    /** A login's answer: no {@code data}, the token in {@code auth}. */
    Answer authAnswer(Token t) {
        ObjectNode root = Answer.envelope(null);
        root.set("auth", authBlock(t));
        return new Answer(200, root);
    }

    private ObjectNode authBlock(Token t) {
        ObjectNode auth = Answer.JSON.createObjectNode();
        auth.put("client_token", t.id);
        auth.put("accessor", t.accessor);
        ArrayNode ps = auth.putArray("policies");
        t.policies.forEach(ps::add);
        ArrayNode tps = auth.putArray("token_policies");
        t.policies.forEach(tps::add);
        ObjectNode meta = auth.putObject("metadata");
        t.meta.forEach(meta::put);
        auth.put("lease_duration", remainingSeconds(t));
        auth.put("renewable", t.renewable);
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", t.orphan);
        return auth;
    }

    /** {@code auth/token/<sub>}. */
    Answer handle(Request req, Token token) {
        String sub = req.path.substring("auth/token/".length());
        String path = req.path;
        String method = req.method;
        switch (sub) {
            case "lookup-self" -> {
                if (!method.equals("GET") && !method.equals("POST"))
                    throw VaultError.unsupported();
                acl.require(token, path, "read");
                return Answer.ok(lookupData(token));
            }
            case "renew-self" -> {
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, path, "update");
                JsonNode b = req.body();
                if (!token.renewable || token.expires == null)
                    throw VaultError.badRequest("lease is not renewable");
                Duration increment = b.hasNonNull("increment") ? KvStore.parseDuration(b.get("increment")) : token.creationTtl;
                if (increment.isZero())
                    increment = token.creationTtl;
                Instant wanted = clock.instant().plus(increment);
                token.expires = wanted.isAfter(token.maxExpires) ? token.maxExpires : wanted;
                return authAnswer(token);
            }
            case "revoke-self" -> {
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, path, "update");
                tokens.remove(token.id);
                return Answer.noContent();
            }
            case "create", "create-orphan" -> {
                if (!req.isWrite())
                    throw VaultError.unsupported();
                acl.require(token, path, "update");
                JsonNode b = req.body();
                List<String> asked = new ArrayList<>();
                b.path("policies").forEach(p -> asked.add(p.asText()));
                if (asked.isEmpty())
                    asked.addAll(token.policies);
                if (!token.root()) {
                    for (String p : asked) {
                        if (!token.policies.contains(p))
                            throw VaultError.badRequest("child policies must be subset of parent");
                    }
                }
                Duration ttl = b.hasNonNull("ttl") ? KvStore.parseDuration(b.get("ttl")) : null;
                Duration max = b.hasNonNull("explicit_max_ttl") ? KvStore.parseDuration(b.get("explicit_max_ttl")) : null;
                Map<String, String> meta = new LinkedHashMap<>();
                b.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                String display = "token" + (b.hasNonNull("display_name") ? "-" + b.get("display_name").asText() : "");
                Token t = issue(asked, ttl, max, b.path("renewable").asBoolean(true), display, meta, "auth/token/create",
                        sub.equals("create-orphan") || b.path("no_parent").asBoolean(false));
                return authAnswer(t);
            }
            case "lookup" -> {
                acl.require(token, path, "update");
                Token other = tokens.get(req.body().path("token").asText(""));
                if (other == null)
                    throw VaultError.badRequest("bad token");
                return Answer.ok(lookupData(other));
            }
            case "revoke" -> {
                acl.require(token, path, "update");
                tokens.remove(req.body().path("token").asText(""));
                return Answer.noContent();
            }
            default -> throw VaultError.noRoute(path);
        }
    }

    /** Whole seconds left, rounded up (0 for tokens that never expire). */
    private long remainingSeconds(Token t) {
        if (t.expires == null)
            return 0;
        long millis = Duration.between(clock.instant(), t.expires).toMillis();
        return Math.max(0, (millis + 999) / 1000);
    }

    private ObjectNode lookupData(Token t) {
        ObjectNode d = Answer.JSON.createObjectNode();
        d.put("accessor", t.accessor);
        if (!t.boundCidrs.isEmpty()) {
            ArrayNode cidrs = d.putArray("bound_cidrs");
            Cidrs.texts(t.boundCidrs).forEach(cidrs::add);
        }
        d.put("creation_time", t.created.getEpochSecond());
        d.put("creation_ttl", t.creationTtl == null ? 0 : t.creationTtl.toSeconds());
        d.put("display_name", t.displayName);
        d.put("entity_id", "");
        if (t.expires == null)
            d.putNull("expire_time");
        else
            d.put("expire_time", t.expires.toString());
        d.put("explicit_max_ttl", 0);
        d.put("id", t.id);
        d.put("issue_time", t.created.toString());
        if (t.meta.isEmpty())
            d.putNull("meta");
        else {
            ObjectNode meta = d.putObject("meta");
            t.meta.forEach(meta::put);
        }
        d.put("num_uses", 0);
        d.put("orphan", t.orphan);
        d.put("path", t.path);
        ArrayNode ps = d.putArray("policies");
        t.policies.forEach(ps::add);
        d.put("renewable", t.renewable && t.expires != null);
        d.put("ttl", remainingSeconds(t));
        d.put("type", "service");
        return d;
    }
}
