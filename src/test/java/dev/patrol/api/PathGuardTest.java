package dev.patrol.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Request paths that a proxy, a log and patrol's router could each read differently are refused
 * before routing, on the raw request line: matrix parameters, empty segments, dot segments (plain
 * or percent-encoded) and encoded slashes. Sent over a raw socket, as HTTP clients normalise them.
 */
@QuarkusTest
class PathGuardTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    String developer;
    String secret;

    @BeforeEach
    void setUp() {
        developer = devServices.vaultTokens().orElseThrow().developer();
        engine.sweep();
        secret = store.current("analyst_cli").orElseThrow().value().token();
    }

    record Answer(int status, String type, String body) {
    }

    Answer send(String target) throws Exception {
        String request = "GET " + target + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAuthorization: Bearer "
                + developer + "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = raw.length() > 12 ? Integer.parseInt(raw.substring(9, 12)) : 0;
            String type = raw.lines().takeWhile(l -> !l.isEmpty()).filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .findFirst().map(l -> l.substring(13).trim()).orElse("");
            String body = raw.contains("\r\n\r\n") ? raw.substring(raw.indexOf("\r\n\r\n") + 4) : "";
            return new Answer(status, type, body);
        }
    }

    static final String TOKEN = "/api/v1/connections/analyst_cli/token";

    static final List<String> REFUSED = List.of(
            // a raw '#': Vert.x routes past it (and removes the dot segments after it)
            "/api/v1/connections/x#/../analyst_cli;x=1/token", "/api/v1/connections/x#/../analyst_cli/token",
            // matrix parameters, literal or encoded, on any segment
            "/api/v1/connections/analyst_cli;x=1/token", "/api/v1/connections/analyst_cli/token;x=1",
            "/api/v1;x=1/connections/analyst_cli/token",
            "/api/v1/connections/analyst_cli;/token", "/api/v1/connections/analyst_cli%3Bx=1/token",
            "/api/v1/connections/analyst_cli%3bx=1/token",
            // empty segments
            "//api/v1/connections/analyst_cli/token", "/api/v1//connections/analyst_cli/token",
            "/api/v1/connections//analyst_cli/token",
            "/api/v1/connections/analyst_cli//token",
            // dot segments, plain and encoded in any case
            "/api/v1/connections/x/../analyst_cli/token", "/api/v1/connections/./analyst_cli/token",
            "/x/../api/v1/connections/analyst_cli/token",
            "/api/v1/connections/analyst_cli/token/.", "/api/v1/connections/analyst_cli/token/..",
            "/api/v1/connections/analyst_cli/./token",
            "/api/v1/connections/x/%2e%2e/analyst_cli/token", "/api/v1/connections/x/%2E%2E/analyst_cli/token",
            "/api/v1/connections/x/.%2E/analyst_cli/token", "/api/v1/connections/x/%2e./analyst_cli/token",
            "/api/v1/connections/%2e/analyst_cli/token", "/api/v1/connections/%2E/analyst_cli/token",
            "/api/v1/%2e%2e/v1/connections/analyst_cli/token",
            // encoded slashes and backslashes
            "/api/v1/connections/x%2f..%2fanalyst_cli/token", "/api/v1/connections/analyst_cli%2Ftoken",
            "/api/v1%2Fconnections/analyst_cli/token",
            "/api/v1/connections/x%5c..%5canalyst_cli/token",
            // absolute form of the request target
            "http://localhost/api/v1/connections/analyst_cli;x=1/token",
            "http://localhost/api/v1/connections/x/../analyst_cli/token",
            // the same forms outside the API
            "/q/health;x=1/ready", "/q//health/ready", "/q/health/../health/ready", "/q/health/%2e%2e/health/ready",
            "/q/x/%2E%2E/openapi",
            "/q%2Fhealth/ready");

    @Test
    void aLegitimateFetchStillWorks() throws Exception {
        Answer a = send(TOKEN);
        assertEquals(200, a.status());
        assertTrue(a.body().contains(secret), "the fetch carries the secret");
        assertEquals(200, send(TOKEN + "?x=1;y=2").status(), "the query is not the path");
        assertEquals(200, send("/q/health/ready").status());
    }

    @Test
    void everyAmbiguousFormIsRefusedBeforeRouting() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String target : REFUSED) {
            Answer a = send(target);
            if (a.status() != 404)
                failures.add(a.status() + " for " + target);
            if (!a.type().startsWith("application/problem+json"))
                failures.add("not problem+json (" + a.type() + ") for " + target);
            if (a.body().contains(secret))
                failures.add("the secret in the body of " + target);
            // bodies are never printed: a wrong answer here may be the secret itself
            if (!a.body().contains("\"request_id\""))
                failures.add("no request id in the body for " + target);
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void theRuleReadsTheRawPathOnly() {
        assertEquals("/api/v1/x", PathGuard.rawPath("/api/v1/x?a=1;b=2#f"));
        assertEquals("/api/v1/x;y", PathGuard.rawPath("https://host:8443/api/v1/x;y?q"));
        assertEquals("/", PathGuard.rawPath("http://host"));
        for (String ok : List.of("/", "/api/v1/", "/api/v1/connections/a.b/token", "/api/v1/connections/..a/token",
                "/q/health/ready",
                "/api/v1/connections/a%2e/token/x%2E")) {
            assertTrue(!PathGuard.refused(ok), ok);
        }
        for (String bad : REFUSED)
            assertTrue(PathGuard.refused(PathGuard.rawPath(bad)), bad);
    }
}
