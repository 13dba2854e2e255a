package dev.patrol.devservices.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.patrol.devservices.EmulatorServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An in-process HashiCorp Vault for development and tests: KV v2, tokens, ACL policies,
 * capabilities, AppRole, a Kubernetes login and health, with the HTTP shapes of {@code vault.md}
 * §3 for current Vault (exact {@code application/json}, 204 empty bodies, {@code {"errors":[...]}}).
 * The unmodified {@code vault-java-driver} and the {@code vault} CLI speak to it over plain http.
 *
 * <p>Not modelled: namespaces (the header is ignored, as Community Vault does), leases of dynamic
 * secrets, response wrapping, other auth methods and secret engines (they answer 404 "no handler").
 */
public final class VaultEmulator implements AutoCloseable {


    public static final String VERSION = "1.19.0+patrol-emulator";
    static final Duration DEFAULT_TTL = Duration.ofHours(768);
    static final Duration MAX_TTL = Duration.ofHours(768);

    /** The default policy every non-root token carries (a subset of Vault's built-in one). */
    static final String DEFAULT_POLICY = """
            path "auth/token/lookup-self" { capabilities = ["read"] }
            path "auth/token/renew-self" { capabilities = ["update"] }
            path "auth/token/revoke-self" { capabilities = ["update"] }
            path "sys/capabilities-self" { capabilities = ["update"] }
            path "sys/internal/ui/mounts" { capabilities = ["read"] }
            path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
            """;

    /** One request as received (never its token or body), for tests that count calls. */
    public record RecordedRequest(Instant at, String method, String path, boolean hadToken, int status) {}

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

        Token(String id, String accessor, List<String> policies, Instant created, Duration ttl, Instant maxExpires,
                boolean renewable, String displayName, Map<String, String> meta, String path, boolean orphan) {
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
        }

        boolean root() {
            return policies.contains("root");
        }
    }

    static final class AppRole {
        final String name;
        String roleId = UUID.randomUUID().toString();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
        Duration tokenMaxTtl = Duration.ZERO;
        boolean bindSecretId = true;
        final Map<String, String> secretIds = new HashMap<>(); // secret id -> accessor

        AppRole(String name) {
            this.name = name;
        }
    }

    static final class KubernetesRole {
        List<String> serviceAccounts = List.of();
        List<String> namespaces = List.of();
        List<String> policies = List.of();
        Duration tokenTtl = Duration.ZERO;
    }

    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final String rootToken;
    private final Map<String, KvStore> kvMounts = new TreeMap<>();
    private final Map<String, Token> tokens = new HashMap<>();
    private final Map<String, AclPolicy> policies = new TreeMap<>();
    private final Map<String, AppRole> appRoles = new TreeMap<>();
    private final Map<String, KubernetesRole> kubernetesRoles = new TreeMap<>();
    private final VaultFaults faults = new VaultFaults();
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final EmulatorServer server;

    private VaultEmulator(String host, int port, String rootToken, Clock clock) {
        this.clock = clock;
        this.rootToken = rootToken;
        kvMounts.put("secret", new KvStore(json, clock));
        policies.put("default", AclPolicy.parse("default", DEFAULT_POLICY));
        tokens.put(rootToken, new Token(rootToken, newId("acc."), List.of("root"), clock.instant(), null, null, false, "root",
                Map.of(), "auth/token/root", true));
        server = EmulatorServer.start("vault-emulator", host, port, this::handle);
    }

    /** Starts a Vault with KV v2 mounted at {@code secret/} and the given root token. */
    public static VaultEmulator start(String host, int port, String rootToken, Clock clock) {
        return new VaultEmulator(host, port, rootToken, clock);
    }

    public String address() {
        return "http://" + server.host() + ":" + server.port();
    }

    public int port() {
        return server.port();
    }

    public String rootToken() {
        return rootToken;
    }

    public VaultFaults faults() {
        return faults;
    }

    public Clock clock() {
        return clock;
    }

    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Mounts another KV v2 engine (e.g. {@code kv} or {@code team/kv}). */
    public synchronized void mountKv(String path) {
        kvMounts.putIfAbsent(trimSlashes(path), new KvStore(json, clock));
    }

    /** Creates or replaces an ACL policy; throws {@link IllegalArgumentException} on bad HCL. */
    public synchronized void putPolicy(String name, String hcl) {
        policies.put(name, AclPolicy.parse(name, hcl));
    }

    /** Creates a token with these policies (plus {@code default}) and TTL; returns its id. */
    public synchronized String createToken(List<String> tokenPolicies, Duration ttl, String displayName) {
        return issueToken(tokenPolicies, ttl, MAX_TTL, true, "token-" + displayName, Map.of(), "auth/token/create", false).id;
    }

    /** Creates an AppRole with these token policies and TTL; returns its role id. */
    public synchronized String createAppRole(String name, List<String> tokenPolicies, Duration tokenTtl) {
        AppRole r = appRoles.computeIfAbsent(name, AppRole::new);
        r.policies = List.copyOf(tokenPolicies);
        r.tokenTtl = tokenTtl;
        return r.roleId;
    }

    /** A new secret id for an AppRole. */
    public synchronized String newSecretId(String role) {
        AppRole r = appRoles.get(role);
        if (r == null) throw new IllegalArgumentException("no AppRole " + role);
        String id = UUID.randomUUID().toString();
        r.secretIds.put(id, UUID.randomUUID().toString());
        return id;
    }

    /**
     * A Kubernetes auth role bound to service accounts and namespaces. The emulator reads the
     * service-account JWT's claims without a TokenReview (there is no cluster to ask).
     */
    public synchronized void createKubernetesRole(String name, List<String> serviceAccounts, List<String> namespaces,
            List<String> tokenPolicies, Duration tokenTtl) {
        KubernetesRole r = new KubernetesRole();
        r.serviceAccounts = List.copyOf(serviceAccounts);
        r.namespaces = List.copyOf(namespaces);
        r.policies = List.copyOf(tokenPolicies);
        r.tokenTtl = tokenTtl;
        kubernetesRoles.put(name, r);
    }

    @Override
    public void close() {
        server.close();
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (faults.takeDrop()) return;
            Duration latency = faults.latency();
            if (!latency.isZero()) sleep(latency);
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            if ("GET".equals(method) && "true".equals(query.get("list"))) method = "LIST";
            String token = token(ex);
            int status;
            byte[] out;
            try {
                if (!rawPath.startsWith("/v1/")) throw VaultError.notFound();
                String path = trimSlashes(URLDecoder.decode(rawPath.substring(4), StandardCharsets.UTF_8));
                Integer injected = faults.takeFailure();
                if (injected != null) throw new VaultError(injected, List.of("emulated failure (fault injection)"));
                Answer a = route(method, path, query, token, ex);
                status = a.status;
                out = a.body == null ? null : json.writeValueAsBytes(a.body);
            } catch (VaultError e) {
                status = e.status;
                ObjectNode body = json.createObjectNode();
                ArrayNode errors = body.putArray("errors");
                e.errors.forEach(errors::add);
                out = json.writeValueAsBytes(body);
            } catch (RuntimeException e) {
                status = 500;
                out = json.writeValueAsBytes(Map.of("errors", List.of("1 error occurred:\n\t* internal error\n\n")));
            }
            record(new RecordedRequest(clock.instant(), method, rawPath, token != null, status));
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (out == null || "HEAD".equals(method)) {
                if (out != null) ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    private record Answer(int status, JsonNode body) {}

    private void record(RecordedRequest r) {
        synchronized (requests) {
            if (requests.size() >= 10_000) requests.remove(0);
            requests.add(r);
        }
    }

    private static String token(HttpExchange ex) {
        String t = ex.getRequestHeaders().getFirst("X-Vault-Token");
        if (t == null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) t = auth.substring(7).trim();
        }
        return t == null || t.isEmpty() ? null : t;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private JsonNode body(HttpExchange ex) {
        try {
            byte[] bytes = ex.getRequestBody().readNBytes(1 << 20);
            if (bytes.length == 0) return json.createObjectNode();
            JsonNode n = json.readTree(bytes);
            if (n == null || !n.isObject()) throw VaultError.badRequest("failed to parse JSON input: expected an object");
            return n;
        } catch (IOException e) {
            throw VaultError.badRequest("failed to parse JSON input: " + e.getClass().getSimpleName().replace("Exception", ""));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String trimSlashes(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == '/') a++;
        while (b > a && s.charAt(b - 1) == '/') b--;
        return s.substring(a, b);
    }

    // ---------------------------------------------------------------- routing

    private Answer route(String method, String path, Map<String, String> query, String tokenId, HttpExchange ex) {
        if (path.equals("sys/health")) return health(method, query);
        if (faults.sealed()) throw new VaultError(503, List.of("Vault is sealed"));
        if (method.equals("POST") || method.equals("PUT")) {
            if (path.equals("auth/approle/login")) return approleLogin(body(ex));
            if (path.equals("auth/kubernetes/login")) return kubernetesLogin(body(ex));
        }
        synchronized (this) {
            Token token = tokenId == null ? null : tokens.get(tokenId);
            if (token != null && token.expires != null && !token.expires.isAfter(clock.instant())) {
                tokens.remove(tokenId);
                token = null;
            }
            if (token == null) throw VaultError.badToken();
            return authenticated(method, path, query, token, ex);
        }
    }

    private Answer authenticated(String method, String path, Map<String, String> query, Token token, HttpExchange ex) {
        // sys/
        if (path.equals("sys/capabilities-self")) return capabilitiesSelf(method, token, body(ex));
        if (path.equals("sys/capabilities")) {
            require(token, path, "update");
            JsonNode b = body(ex);
            Token other = tokens.get(b.path("token").asText(""));
            if (other == null) throw VaultError.badRequest("invalid token");
            return capabilitiesAnswer(other, paths(b));
        }
        if (path.equals("sys/internal/ui/mounts") || path.startsWith("sys/internal/ui/mounts/")) {
            return uiMounts(path.substring(Math.min(path.length(), "sys/internal/ui/mounts/".length())), token);
        }
        if (path.equals("sys/mounts")) {
            if (!method.equals("GET")) throw VaultError.unsupported();
            require(token, path, "read");
            ObjectNode mounts = json.createObjectNode();
            kvMounts.keySet().forEach(m -> mounts.set(m + "/", mountInfo(m)));
            ObjectNode top = envelope(mounts);
            mounts.fields().forEachRemaining(e -> top.set(e.getKey(), e.getValue()));
            return new Answer(200, top);
        }
        if (path.equals("sys/policies/acl") || path.startsWith("sys/policies/acl/")) return policies(method, path, token, ex);
        // auth/token
        if (path.startsWith("auth/token/")) return tokenEndpoint(method, path.substring("auth/token/".length()), token, ex);
        if (path.startsWith("auth/approle/role")) return approleAdmin(method, path, token, ex);
        if (path.startsWith("auth/kubernetes/role/")) return kubernetesAdmin(method, path, token, ex);
        // KV v2 mounts
        for (String mount : kvMounts.keySet()) {
            if (path.equals(mount) || path.startsWith(mount + "/")) {
                return kv(method, mount, path.equals(mount) ? "" : path.substring(mount.length() + 1), query, token, ex);
            }
        }
        throw VaultError.noRoute(path);
    }

    // ---------------------------------------------------------------- ACL

    private Set<String> capabilities(Token token, String path) {
        if (token.root()) return Set.of("root");
        List<AclPolicy> ps = new ArrayList<>();
        for (String name : token.policies) {
            AclPolicy p = policies.get(name);
            if (p != null) ps.add(p);
        }
        Set<String> caps = AclPolicy.capabilities(ps, path);
        return caps.isEmpty() ? Set.of("deny") : caps;
    }

    private void require(Token token, String path, String capability) {
        Set<String> caps = capabilities(token, path);
        if (caps.contains("root")) return;
        if (caps.contains("deny") || !caps.contains(capability)) throw VaultError.denied();
    }

    private static List<String> paths(JsonNode body) {
        List<String> out = new ArrayList<>();
        if (body.path("paths").isArray()) body.get("paths").forEach(p -> out.add(trimSlashes(p.asText())));
        else if (body.path("paths").isTextual()) {
            for (String p : body.get("paths").asText().split(",")) out.add(trimSlashes(p.trim()));
        }
        if (body.hasNonNull("path")) out.add(trimSlashes(body.get("path").asText()));
        if (out.isEmpty()) throw VaultError.badRequest("missing paths");
        return out;
    }

    private Answer capabilitiesSelf(String method, Token token, JsonNode body) {
        if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
        require(token, "sys/capabilities-self", "update");
        return capabilitiesAnswer(token, paths(body));
    }

    private Answer capabilitiesAnswer(Token token, List<String> paths) {
        ObjectNode data = json.createObjectNode();
        for (String p : paths) {
            ArrayNode caps = data.putArray(p);
            new java.util.TreeSet<>(capabilities(token, p)).forEach(caps::add);
        }
        ObjectNode top = envelope(data);
        data.fields().forEachRemaining(e -> top.set(e.getKey(), e.getValue()));
        if (paths.size() == 1) top.set("capabilities", data.get(paths.get(0)));
        return new Answer(200, top);
    }

    private Answer uiMounts(String target, Token token) {
        String p = trimSlashes(target);
        for (String mount : kvMounts.keySet()) {
            if (p.equals(mount) || p.startsWith(mount + "/")) {
                if (!token.root() && !anyAccessUnder(token, mount)) {
                    throw new VaultError(403, List.of("preflight capability check returned 403, please ensure client's policies grant access to path \""
                            + p + "/\""));
                }
                return new Answer(200, envelope(mountInfo(mount)));
            }
        }
        throw new VaultError(403, List.of("preflight capability check returned 403, please ensure client's policies grant access to path \"" + p + "/\""));
    }

    /** Whether any rule of the token's policies grants something under the mount (the preflight check). */
    private boolean anyAccessUnder(Token token, String mount) {
        for (String name : token.policies) {
            AclPolicy p = policies.get(name);
            if (p == null) continue;
            for (AclPolicy.Rule r : p.rules) {
                if (r.capabilities().contains("deny") || r.capabilities().isEmpty()) continue;
                String pattern = r.pattern();
                String fixed = pattern.replaceAll("[+*].*$", "");
                if (fixed.startsWith(mount + "/") || (mount + "/").startsWith(fixed)) return true;
            }
        }
        return false;
    }

    private ObjectNode mountInfo(String mount) {
        ObjectNode m = json.createObjectNode();
        m.put("accessor", "kv_" + Integer.toHexString(mount.hashCode()));
        ObjectNode config = m.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        m.put("description", "key/value secret storage");
        m.put("external_entropy_access", false);
        m.put("local", false);
        m.putObject("options").put("version", "2");
        m.put("path", mount + "/");
        m.put("seal_wrap", false);
        m.put("type", "kv");
        m.put("uuid", UUID.nameUUIDFromBytes(mount.getBytes(StandardCharsets.UTF_8)).toString());
        return m;
    }

    // ---------------------------------------------------------------- policies

    private Answer policies(String method, String path, Token token, HttpExchange ex) {
        if (path.equals("sys/policies/acl")) {
            if (!method.equals("LIST")) throw VaultError.unsupported();
            require(token, path, "list");
            ObjectNode data = json.createObjectNode();
            ArrayNode keys = data.putArray("keys");
            policies.keySet().forEach(keys::add);
            keys.add("root");
            return new Answer(200, envelope(data));
        }
        String name = path.substring("sys/policies/acl/".length()).toLowerCase(Locale.ROOT);
        switch (method) {
            case "GET" -> {
                require(token, path, "read");
                AclPolicy p = policies.get(name);
                if (p == null) throw VaultError.notFound();
                ObjectNode data = json.createObjectNode();
                data.put("name", name);
                data.put("policy", p.text);
                return new Answer(200, envelope(data));
            }
            case "POST", "PUT" -> {
                require(token, path, policies.containsKey(name) ? "update" : "create");
                JsonNode b = body(ex);
                if (!b.path("policy").isTextual()) throw VaultError.badRequest("'policy' parameter not supplied or empty");
                if (name.equals("root")) throw VaultError.badRequest("cannot update \"root\" policy");
                try {
                    policies.put(name, AclPolicy.parse(name, b.get("policy").asText()));
                } catch (IllegalArgumentException e) {
                    throw VaultError.badRequest(e.getMessage());
                }
                return new Answer(204, null);
            }
            case "DELETE" -> {
                require(token, path, "delete");
                if (name.equals("default") || name.equals("root")) throw VaultError.badRequest("cannot delete \"" + name + "\" policy");
                policies.remove(name);
                return new Answer(204, null);
            }
            default -> throw VaultError.unsupported();
        }
    }

    // ---------------------------------------------------------------- tokens

    private Token issueToken(List<String> tokenPolicies, Duration ttl, Duration maxTtl, boolean renewable, String displayName,
            Map<String, String> meta, String path, boolean orphan) {
        Set<String> ps = new LinkedHashSet<>();
        if (!tokenPolicies.contains("root")) ps.add("default");
        ps.addAll(tokenPolicies);
        Instant now = clock.instant();
        Duration effective = ttl == null || ttl.isZero() ? DEFAULT_TTL : ttl;
        Duration max = maxTtl == null || maxTtl.isZero() ? MAX_TTL : maxTtl;
        if (effective.compareTo(max) > 0) effective = max;
        Token t = new Token(newId("hvs."), newId(""), List.copyOf(ps), now, effective, now.plus(max), renewable, displayName,
                Map.copyOf(meta), path, orphan);
        tokens.put(t.id, t);
        return t;
    }

    private String newId(String prefix) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }

    private ObjectNode authBlock(Token t) {
        ObjectNode auth = json.createObjectNode();
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

    private Answer authAnswer(Token t) {
        ObjectNode root = envelope(null);
        root.set("auth", authBlock(t));
        return new Answer(200, root);
    }

    private Answer tokenEndpoint(String method, String sub, Token token, HttpExchange ex) {
        String path = "auth/token/" + sub;
        switch (sub) {
            case "lookup-self" -> {
                if (!method.equals("GET") && !method.equals("POST")) throw VaultError.unsupported();
                require(token, path, "read");
                return new Answer(200, envelope(lookupData(token)));
            }
            case "renew-self" -> {
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, path, "update");
                JsonNode b = body(ex);
                if (!token.renewable || token.expires == null) throw VaultError.badRequest("lease is not renewable");
                Duration increment = b.hasNonNull("increment") ? KvStore.parseDuration(b.get("increment")) : token.creationTtl;
                if (increment.isZero()) increment = token.creationTtl;
                Instant wanted = clock.instant().plus(increment);
                token.expires = wanted.isAfter(token.maxExpires) ? token.maxExpires : wanted;
                return authAnswer(token);
            }
            case "revoke-self" -> {
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, path, "update");
                tokens.remove(token.id);
                return new Answer(204, null);
            }
            case "create", "create-orphan" -> {
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, path, "update");
                JsonNode b = body(ex);
                List<String> asked = new ArrayList<>();
                b.path("policies").forEach(p -> asked.add(p.asText()));
                if (asked.isEmpty()) asked.addAll(token.policies);
                if (!token.root()) {
                    for (String p : asked) {
                        if (!token.policies.contains(p)) throw VaultError.badRequest("child policies must be subset of parent");
                    }
                }
                Duration ttl = b.hasNonNull("ttl") ? KvStore.parseDuration(b.get("ttl")) : null;
                Duration max = b.hasNonNull("explicit_max_ttl") ? KvStore.parseDuration(b.get("explicit_max_ttl")) : null;
                Map<String, String> meta = new LinkedHashMap<>();
                b.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                String display = "token" + (b.hasNonNull("display_name") ? "-" + b.get("display_name").asText() : "");
                Token t = issueToken(asked, ttl, max, b.path("renewable").asBoolean(true), display, meta, "auth/token/create",
                        sub.equals("create-orphan") || b.path("no_parent").asBoolean(false));
                return authAnswer(t);
            }
            case "lookup" -> {
                require(token, path, "update");
                Token other = tokens.get(body(ex).path("token").asText(""));
                if (other == null) throw VaultError.badRequest("bad token");
                return new Answer(200, envelope(lookupData(other)));
            }
            case "revoke" -> {
                require(token, path, "update");
                tokens.remove(body(ex).path("token").asText(""));
                return new Answer(204, null);
            }
            default -> throw VaultError.noRoute(path);
        }
    }

    /** Whole seconds left, rounded up (0 for tokens that never expire). */
    private long remainingSeconds(Token t) {
        if (t.expires == null) return 0;
        long millis = Duration.between(clock.instant(), t.expires).toMillis();
        return Math.max(0, (millis + 999) / 1000);
    }

    private ObjectNode lookupData(Token t) {
        ObjectNode d = json.createObjectNode();
        d.put("accessor", t.accessor);
        d.put("creation_time", t.created.getEpochSecond());
        d.put("creation_ttl", t.creationTtl == null ? 0 : t.creationTtl.toSeconds());
        d.put("display_name", t.displayName);
        d.put("entity_id", "");
        if (t.expires == null) d.putNull("expire_time");
        else d.put("expire_time", t.expires.toString());
        d.put("explicit_max_ttl", 0);
        d.put("id", t.id);
        d.put("issue_time", t.created.toString());
        if (t.meta.isEmpty()) d.putNull("meta");
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

    // ---------------------------------------------------------------- AppRole and Kubernetes

    private Answer approleLogin(JsonNode body) {
        synchronized (this) {
            String roleId = body.path("role_id").asText("");
            String secretId = body.path("secret_id").asText("");
            if (roleId.isEmpty()) throw VaultError.badRequest("missing role_id");
            AppRole role = appRoles.values().stream().filter(r -> r.roleId.equals(roleId)).findFirst().orElse(null);
            if (role != null && role.bindSecretId && secretId.isEmpty()) throw VaultError.badRequest("missing secret_id");
            if (role == null || (role.bindSecretId && !role.secretIds.containsKey(secretId))) {
                throw VaultError.badRequest("invalid role or secret ID");
            }
            Token t = issueToken(role.policies, role.tokenTtl, role.tokenMaxTtl, true, "approle",
                    Map.of("role_name", role.name), "auth/approle/login", true);
            return authAnswer(t);
        }
    }

    private Answer kubernetesLogin(JsonNode body) {
        synchronized (this) {
            String roleName = body.path("role").asText("");
            String jwt = body.path("jwt").asText("");
            if (roleName.isEmpty()) throw VaultError.badRequest("missing role");
            if (jwt.isEmpty()) throw VaultError.badRequest("missing jwt");
            KubernetesRole role = kubernetesRoles.get(roleName);
            if (role == null) throw VaultError.badRequest("invalid role name \"" + roleName + "\"");
            String namespace, account;
            try {
                String[] parts = jwt.split("\\.");
                JsonNode claims = json.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
                String sub = claims.path("sub").asText("");
                String[] s = sub.split(":");
                if (s.length != 4 || !s[0].equals("system") || !s[1].equals("serviceaccount")) throw new IllegalArgumentException();
                namespace = s[2];
                account = s[3];
            } catch (Exception e) {
                throw new VaultError(403, List.of("permission denied"));
            }
            boolean accountOk = role.serviceAccounts.contains("*") || role.serviceAccounts.contains(account);
            boolean namespaceOk = role.namespaces.contains("*") || role.namespaces.contains(namespace);
            if (!accountOk || !namespaceOk) throw new VaultError(403, List.of("service account name not authorized"));
            Token t = issueToken(role.policies, role.tokenTtl, null, true, "kubernetes-" + namespace + "-" + account,
                    Map.of("role", roleName, "service_account_name", account, "service_account_namespace", namespace),
                    "auth/kubernetes/login", true);
            return authAnswer(t);
        }
    }

    private Answer approleAdmin(String method, String path, Token token, HttpExchange ex) {
        String[] parts = path.split("/");
        if (parts.length < 4) {
            if (!method.equals("LIST")) throw VaultError.unsupported();
            require(token, path, "list");
            ObjectNode data = json.createObjectNode();
            ArrayNode keys = data.putArray("keys");
            appRoles.keySet().forEach(keys::add);
            return new Answer(200, envelope(data));
        }
        String name = parts[3];
        String sub = parts.length > 4 ? parts[4] : "";
        AppRole role = appRoles.get(name);
        switch (sub) {
            case "" -> {
                if (method.equals("GET")) {
                    require(token, path, "read");
                    if (role == null) throw VaultError.notFound();
                    ObjectNode d = json.createObjectNode();
                    ArrayNode ps = d.putArray("token_policies");
                    role.policies.forEach(ps::add);
                    d.put("token_ttl", role.tokenTtl.toSeconds());
                    d.put("token_max_ttl", role.tokenMaxTtl.toSeconds());
                    d.put("bind_secret_id", role.bindSecretId);
                    return new Answer(200, envelope(d));
                }
                if (method.equals("DELETE")) {
                    require(token, path, "delete");
                    appRoles.remove(name);
                    return new Answer(204, null);
                }
                require(token, path, role == null ? "create" : "update");
                JsonNode b = body(ex);
                AppRole r = role == null ? new AppRole(name) : role;
                List<String> ps = new ArrayList<>();
                JsonNode pol = b.has("token_policies") ? b.get("token_policies") : b.get("policies");
                if (pol != null) {
                    if (pol.isArray()) pol.forEach(p -> ps.add(p.asText()));
                    else for (String p : pol.asText().split(",")) if (!p.isBlank()) ps.add(p.trim());
                    r.policies = List.copyOf(ps);
                }
                if (b.hasNonNull("token_ttl")) r.tokenTtl = KvStore.parseDuration(b.get("token_ttl"));
                if (b.hasNonNull("token_max_ttl")) r.tokenMaxTtl = KvStore.parseDuration(b.get("token_max_ttl"));
                if (b.has("bind_secret_id")) r.bindSecretId = b.get("bind_secret_id").asBoolean();
                appRoles.put(name, r);
                return new Answer(204, null);
            }
            case "role-id" -> {
                if (role == null) throw VaultError.notFound();
                if (method.equals("GET")) {
                    require(token, path, "read");
                    ObjectNode d = json.createObjectNode();
                    d.put("role_id", role.roleId);
                    return new Answer(200, envelope(d));
                }
                require(token, path, "update");
                String id = body(ex).path("role_id").asText("");
                if (id.isEmpty()) throw VaultError.badRequest("missing role_id");
                role.roleId = id;
                return new Answer(204, null);
            }
            case "secret-id" -> {
                if (role == null) throw VaultError.badRequest("role \"" + name + "\" does not exist");
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, path, "update");
                String id = UUID.randomUUID().toString();
                String accessor = UUID.randomUUID().toString();
                role.secretIds.put(id, accessor);
                ObjectNode d = json.createObjectNode();
                d.put("secret_id", id);
                d.put("secret_id_accessor", accessor);
                d.put("secret_id_ttl", 0);
                d.put("secret_id_num_uses", 0);
                return new Answer(200, envelope(d));
            }
            default -> throw VaultError.noRoute(path);
        }
    }

    private Answer kubernetesAdmin(String method, String path, Token token, HttpExchange ex) {
        if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
        String name = path.substring("auth/kubernetes/role/".length());
        require(token, path, kubernetesRoles.containsKey(name) ? "update" : "create");
        JsonNode b = body(ex);
        createKubernetesRole(name, strings(b.get("bound_service_account_names")), strings(b.get("bound_service_account_namespaces")),
                strings(b.has("token_policies") ? b.get("token_policies") : b.get("policies")),
                b.hasNonNull("token_ttl") ? KvStore.parseDuration(b.get("token_ttl")) : Duration.ZERO);
        return new Answer(204, null);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        else for (String s : n.asText().split(",")) if (!s.isBlank()) out.add(s.trim());
        return out;
    }

    // ---------------------------------------------------------------- KV v2

    private Answer kv(String method, String mount, String rest, Map<String, String> query, Token token, HttpExchange ex) {
        KvStore store = kvMounts.get(mount);
        String full = mount + "/" + rest;
        int slash = rest.indexOf('/');
        String op = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
        switch (op) {
            case "config" -> {
                if (method.equals("GET")) {
                    require(token, full, "read");
                    return new Answer(200, envelope(store.config()));
                }
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, full, "update");
                store.writeConfig(body(ex));
                return new Answer(204, null);
            }
            case "data" -> {
                if (key.isEmpty()) throw VaultError.unsupported();
                switch (method) {
                    case "GET" -> {
                        require(token, full, "read");
                        Integer version = null;
                        if (query.containsKey("version")) {
                            try {
                                version = Integer.parseInt(query.get("version"));
                            } catch (NumberFormatException e) {
                                throw VaultError.badRequest("error converting input for field \"version\"");
                            }
                        }
                        KvStore.Read r = store.read(key, version);
                        return new Answer(r.gone() ? 404 : 200, envelope(r.body()));
                    }
                    case "POST", "PUT" -> {
                        require(token, full, store.exists(key) ? "update" : "create");
                        return new Answer(200, envelope(store.write(key, body(ex))));
                    }
                    case "PATCH" -> {
                        require(token, full, "patch");
                        JsonNode b = body(ex);
                        KvStore.Read current;
                        try {
                            current = store.read(key, null);
                        } catch (VaultError e) {
                            throw VaultError.notFound();
                        }
                        if (current.gone()) throw VaultError.notFound();
                        ObjectNode merged = (ObjectNode) current.body().get("data").deepCopy();
                        JsonNode patch = b.path("data");
                        if (!patch.isObject()) throw VaultError.badRequest("no data provided");
                        patch.fields().forEachRemaining(e -> {
                            if (e.getValue().isNull()) merged.remove(e.getKey());
                            else merged.set(e.getKey(), e.getValue());
                        });
                        ObjectNode write = json.createObjectNode();
                        write.set("data", merged);
                        if (b.has("options")) write.set("options", b.get("options"));
                        return new Answer(200, envelope(store.write(key, write)));
                    }
                    case "DELETE" -> {
                        require(token, full, "delete");
                        store.deleteLatest(key);
                        return new Answer(204, null);
                    }
                    default -> throw VaultError.unsupported();
                }
            }
            case "delete", "undelete", "destroy" -> {
                if (!method.equals("POST") && !method.equals("PUT")) throw VaultError.unsupported();
                require(token, full, "update");
                JsonNode versions = body(ex).get("versions");
                if (versions == null || !versions.isArray() || versions.isEmpty()) throw VaultError.badRequest("No version number provided");
                List<Integer> vs = new ArrayList<>();
                versions.forEach(v -> vs.add(v.asInt()));
                switch (op) {
                    case "delete" -> store.delete(key, vs);
                    case "undelete" -> store.undelete(key, vs);
                    default -> store.destroy(key, vs);
                }
                return new Answer(204, null);
            }
            case "metadata" -> {
                switch (method) {
                    case "LIST" -> {
                        require(token, full, "list");
                        ObjectNode data = json.createObjectNode();
                        ArrayNode keys = data.putArray("keys");
                        store.list(key).forEach(keys::add);
                        return new Answer(200, envelope(data));
                    }
                    case "GET" -> {
                        require(token, full, "read");
                        return new Answer(200, envelope(store.metadata(key)));
                    }
                    case "POST", "PUT" -> {
                        require(token, full, store.exists(key) ? "update" : "create");
                        store.writeMetadata(key, body(ex));
                        return new Answer(204, null);
                    }
                    case "DELETE" -> {
                        require(token, full, "delete");
                        store.deleteMetadata(key);
                        return new Answer(204, null);
                    }
                    default -> throw VaultError.unsupported();
                }
            }
            default -> throw VaultError.noRoute(full);
        }
    }

    // ---------------------------------------------------------------- health and envelope

    private Answer health(String method, Map<String, String> query) {
        if (!method.equals("GET") && !method.equals("HEAD")) throw VaultError.unsupported();
        boolean sealed = faults.sealed();
        int status = sealed ? intParam(query, "sealedcode", 503) : intParam(query, "activecode", 200);
        ObjectNode h = json.createObjectNode();
        h.put("initialized", true);
        h.put("sealed", sealed);
        h.put("standby", false);
        h.put("performance_standby", false);
        h.put("replication_performance_mode", "disabled");
        h.put("replication_dr_mode", "disabled");
        h.put("server_time_utc", clock.instant().getEpochSecond());
        h.put("version", VERSION);
        h.put("cluster_name", "vault-cluster-patrol-dev");
        h.put("cluster_id", "00000000-0000-4000-8000-000000000000");
        return new Answer(status, h);
    }

    private static int intParam(Map<String, String> query, String name, int dflt) {
        try {
            return query.containsKey(name) ? Integer.parseInt(query.get(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private ObjectNode envelope(JsonNode data) {
        ObjectNode root = json.createObjectNode();
        root.put("request_id", UUID.randomUUID().toString());
        root.put("lease_id", "");
        root.put("renewable", false);
        root.put("lease_duration", 0);
        if (data == null) root.putNull("data");
        else root.set("data", data);
        root.putNull("wrap_info");
        root.putNull("warnings");
        root.putNull("auth");
        root.put("mount_type", "");
        return root;
    }
}
