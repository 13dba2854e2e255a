package dev.patrol.devservices.vault;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.patrol.devservices.EmulatorServer;

/**
 * An in-process HashiCorp Vault for development and tests: KV v2, tokens, ACL policies,
 * capabilities, the auth method and mount tables, AppRole, a Kubernetes login, health and seal
 * status, with the HTTP shapes of current Vault
 * (exact {@code application/json}, 204 empty bodies, {@code {"errors":[...]}}); the README's
 * "The Vault emulator" section lists what it covers. The unmodified {@code vault-java-driver} and
 * the {@code vault} CLI speak to it over plain http.
 *
 * <p>
 * This class is the HTTP facade: it reads the request, applies faults, finds the caller's token
 * and routes to the parts ({@link SysStatus}, {@link Tokens}, {@link Acl}, {@link AuthMounts} with
 * {@link AppRoleAuth} and {@link KubernetesAuth}, {@link KvMounts}), which run under this object's
 * lock. It starts as {@code vault server -dev} does: KV v2 at {@code secret/}, only {@code token/}
 * auth; the Java API's AppRole and Kubernetes helpers enable their method on first use.
 *
 * <p>
 * Not modelled: namespaces (the header is ignored, as Community Vault does), leases of dynamic
 * secrets, response wrapping, other auth methods and secret engines (they answer 404 "no handler").
 */
public final class VaultEmulator implements AutoCloseable {

    public static final String VERSION = "1.19.0+patrol-emulator";

    /** One request as received (never its token or body), for tests that count calls. */
    public record RecordedRequest(Instant at, String method, String path, boolean hadToken, int status) {
    }

    private final Clock clock;
    private final String rootToken;
    private final Acl acl = new Acl();
    private final Tokens tokens;
    private final AuthMounts auth;
    private final KvMounts kv;
    private final VaultFaults faults = new VaultFaults();
    private final SysStatus status;
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final EmulatorServer server;

    private VaultEmulator(String host, int port, String rootToken, Clock clock) {
        this.clock = clock;
        this.rootToken = rootToken;
        tokens = new Tokens(clock, acl);
        auth = new AuthMounts(clock, tokens, acl);
        kv = new KvMounts(clock, acl);
        status = new SysStatus(clock, faults);
        kv.mount("secret");
        tokens.addRoot(rootToken);
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
        kv.mount(path);
    }

    /** Creates or replaces an ACL policy; throws {@link IllegalArgumentException} on bad HCL. */
    public synchronized void putPolicy(String name, String hcl) {
        acl.put(name, hcl);
    }

    /** Creates a token with these policies (plus {@code default}) and TTL; returns its id. */
    public synchronized String createToken(List<String> tokenPolicies, Duration ttl, String displayName) {
        return tokens.issue(tokenPolicies, ttl, Tokens.MAX_TTL, true, "token-" + displayName, Map.of(), "auth/token/create",
                false).id;
    }

    /**
     * Creates an AppRole at {@code auth/approle/} (enabled if need be) with these token policies and TTL; returns its role id.
     */
    public synchronized String createAppRole(String name, List<String> tokenPolicies, Duration tokenTtl) {
        return auth.ensure("approle", "approle", AppRoleAuth.class).createRole(name, tokenPolicies, tokenTtl);
    }

    /** A new secret id for an AppRole at {@code auth/approle/}. */
    public synchronized String newSecretId(String role) {
        AppRoleAuth appRole = auth.find("approle", AppRoleAuth.class);
        if (appRole == null)
            throw new IllegalArgumentException("no AppRole " + role);
        return appRole.newSecretId(role);
    }

    /**
     * A Kubernetes auth role bound to service accounts and namespaces. The emulator reads the
     * service-account JWT's claims without a TokenReview (there is no cluster to ask).
     */
    public synchronized void createKubernetesRole(String name, List<String> serviceAccounts, List<String> namespaces,
            List<String> tokenPolicies, Duration tokenTtl) {
        auth.ensure("kubernetes", "kubernetes", KubernetesAuth.class).createRole(name, serviceAccounts, namespaces,
                tokenPolicies, tokenTtl);
    }

    @Override
    public void close() {
        server.close();
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (faults.takeDrop())
                return;
            Duration latency = faults.latency();
            if (!latency.isZero())
                sleep(latency);
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            if ("GET".equals(method) && "true".equals(query.get("list")))
                method = "LIST";
            String token = token(ex);
            int status;
            byte[] out;
            try {
                if (!rawPath.startsWith("/v1/"))
                    throw VaultError.notFound();
                String path = Answer.trimSlashes(URLDecoder.decode(rawPath.substring(4), StandardCharsets.UTF_8));
                Integer injected = faults.takeFailure();
                if (injected != null)
                    throw new VaultError(injected, List.of("emulated failure (fault injection)"));
                Answer a = route(new Request(method, path, query, ex.getRemoteAddress().getAddress(), ex.getRequestBody()),
                        token);
                status = a.status();
                out = a.body() == null ? null : Answer.JSON.writeValueAsBytes(a.body());
            } catch (VaultError e) {
                status = e.status;
                ObjectNode body = Answer.JSON.createObjectNode();
                ArrayNode errors = body.putArray("errors");
                e.errors.forEach(errors::add);
                out = Answer.JSON.writeValueAsBytes(body);
            } catch (RuntimeException e) {
                status = 500;
                out = Answer.JSON.writeValueAsBytes(Map.of("errors", List.of("1 error occurred:\n\t* internal error\n\n")));
            }
            record(new RecordedRequest(clock.instant(), method, rawPath, token != null, status));
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (out == null || "HEAD".equals(method)) {
                if (out != null)
                    ex.getResponseHeaders().set("Content-Type", "application/json");
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

    private void record(RecordedRequest r) {
        synchronized (requests) {
            if (requests.size() >= 10_000)
                requests.remove(0);
            requests.add(r);
        }
    }

    private static String token(HttpExchange ex) {
        String t = ex.getRequestHeaders().getFirst("X-Vault-Token");
        if (t == null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7))
                t = auth.substring(7).trim();
        }
        return t == null || t.isEmpty() ? null : t;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null)
            return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- routing

    private Answer route(Request req, String tokenId) {
        String path = req.path;
        boolean help = "1".equals(req.query.get("help"));
        if (!help) {
            Answer a = status.answer(req);
            if (a != null)
                return a;
        }
        if (faults.sealed())
            throw new VaultError(503, List.of("Vault is sealed"));
        synchronized (this) {
            if (!help && req.isWrite() && path.startsWith("auth/")) {
                AuthMounts.Mount m = auth.mountOf(path.substring("auth/".length()));
                if (m != null && m.backend != null && path.equals("auth/" + m.path + "/login"))
                    return m.backend.login(req);
            }
            Tokens.Token token = tokens.valid(tokenId, req.remote);
            if (token == null)
                throw VaultError.badToken();
            // Vault's ACL lets every valid token read help.
            if (help)
                return help(path);
            return authenticated(req, token);
        }
    }

    private Answer authenticated(Request req, Tokens.Token token) {
        String path = req.path;
        if (path.equals("sys/capabilities-self"))
            return acl.capabilitiesSelf(req, token);
        if (path.equals("sys/capabilities"))
            return acl.capabilitiesOf(req, token, tokens);
        if (path.equals("sys/internal/ui/mounts") || path.startsWith("sys/internal/ui/mounts/")) {
            return kv.uiMounts(path.substring(Math.min(path.length(), "sys/internal/ui/mounts/".length())), token);
        }
        if (path.equals("sys/mounts"))
            return kv.list(req, token);
        if (path.startsWith("sys/mounts/"))
            return kv.configure(req, token);
        if (path.equals("sys/auth"))
            return auth.list(req, token);
        if (path.startsWith("sys/auth/"))
            return auth.handle(req, token);
        if (path.equals("sys/policies/acl") || path.startsWith("sys/policies/acl/"))
            return acl.policies(req, token);
        if (path.startsWith("auth/token/"))
            return tokens.handle(req, token);
        if (path.startsWith("auth/")) {
            AuthMounts.Mount m = auth.mountOf(path.substring("auth/".length()));
            if (m != null && m.backend != null && path.length() > ("auth/" + m.path + "/").length()) {
                return m.backend.handle(req, path.substring(("auth/" + m.path + "/").length()), token);
            }
            throw VaultError.noRoute(path);
        }
        String mount = kv.mountOf(path);
        if (mount != null)
            return kv.handle(req, mount, token);
        throw VaultError.noRoute(path);
    }

    /** A minimal {@code ?help=1}: which part serves the path, or Vault's 404 for a path nothing serves. */
    private Answer help(String path) {
        AuthMounts.Mount authMount = path.startsWith("auth/") ? auth.mountOf(path.substring("auth/".length())) : null;
        String kvMount = kv.mountOf(path);
        String what;
        if (path.startsWith("sys/"))
            what = "Vault's system backend (" + path.split("/")[1] + ").";
        else if (authMount != null)
            what = "The " + authMount.type + " auth method at auth/" + authMount.path + "/.";
        else if (kvMount != null)
            what = "The KV secrets engine at " + kvMount + "/.";
        else
            throw VaultError.noRoute(path);
        ObjectNode body = Answer.JSON.createObjectNode();
        body.put("help", "## PATH\n\n    " + path + "\n\n## DESCRIPTION\n\n" + what
                + "\nThe patrol Vault emulator gives this short help only; Vault's API documentation describes the path.\n");
        body.putNull("see_also");
        return new Answer(200, body);
    }
}
