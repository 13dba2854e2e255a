package dev.patrol.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import dev.patrol.devservices.DevServices;
import dev.patrol.rotation.RotationEngine;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * patrol serving only HTTPS through the Quarkus TLS registry with the settings the Kubernetes manifest
 * ships (PEM certificate and key from files, the plain HTTP port off), and a throwaway certificate
 * made for this run; the helper fetches over it.
 */
@QuarkusTest
@TestProfile(TlsTest.Tls.class)
class TlsTest {

    /** Under target/, so the profile (which runs before start) and the test find the same files. */
    static final Path DIR = Path.of("target", "tls-test").toAbsolutePath();
    static final Path CERT = DIR.resolve("cert.pem");
    static final Path KEY = DIR.resolve("key.pem");

    /** The TLS settings the Kubernetes manifest ships, with this run's certificate files and ports. */
    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                generate();
                Map<String, String> config = new HashMap<>();
                for (Map.Entry<Object, Object> e : shippedTlsProperties().entrySet()) {
                    String key = e.getKey().toString();
                    if (key.equals("quarkus.http.ssl-port"))
                        continue;
                    config.put(key, key.endsWith(".cert") ? CERT.toString()
                            : key.endsWith(".key") ? KEY.toString() : e.getValue().toString());
                }
                if (!"disabled".equals(config.get("quarkus.http.insecure-requests")))
                    throw new IllegalStateException("the manifest leaves plain HTTP on");
                config.put("quarkus.http.test-ssl-port", "0");
                // a known port, so the test can show that nothing listens on it
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    config.put("quarkus.http.test-port", Integer.toString(s.getLocalPort()));
                }
                return config;
            } catch (Exception e) {
                throw new IllegalStateException("could not set up TLS for the test", e);
            }
        }
    }

    /** tls.properties of the patrol-tls ConfigMap in deploy/kubernetes/patrol.yaml. */
    static Properties shippedTlsProperties() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (YAMLParser parser = new YAMLFactory().createParser(Path.of("deploy/kubernetes/patrol.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(parser, JsonNode.class).readAll()) {
                if (doc.path("kind").asText().equals("ConfigMap")
                        && doc.path("metadata").path("name").asText().equals("patrol-tls")) {
                    Properties p = new Properties();
                    p.load(new StringReader(doc.path("data").path("tls.properties").asText()));
                    return p;
                }
            }
        }
        throw new IllegalStateException("no patrol-tls ConfigMap in the manifest");
    }

    /** A self-signed certificate for localhost and 127.0.0.1 (keytool), written as PEM files. */
    static void generate() throws Exception {
        Files.createDirectories(DIR);
        Path p12 = DIR.resolve("test.p12");
        Files.deleteIfExists(p12);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "patrol", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "throwaway", "-keypass", "throwaway")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0)
            throw new IOException("keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "throwaway".toCharArray());
        }
        Files.writeString(CERT, pem("CERTIFICATE", ks.getCertificate("patrol").getEncoded()));
        Files.writeString(KEY, pem("PRIVATE KEY", ks.getKey("patrol", "throwaway".toCharArray()).getEncoded()));
        Files.delete(p12);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @TestHTTPResource(value = "/", tls = true)
    URL https;
    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @TempDir
    Path home;

    HttpClient trusting() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(CERT)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            trust.setCertificateEntry("patrol", c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).build();
    }

    @Test
    void servesOnlyHttpsWithTheConfiguredCertificate() throws Exception {
        engine.sweep();
        assertEquals("https", https.getProtocol());
        String developer = devServices.vaultTokens().orElseThrow().developer();
        HttpResponse<String> r = trusting().send(
                HttpRequest.newBuilder(URI.create(https + "api/v1/connections/analyst_cli/token"))
                        .header("Authorization", "Bearer " + developer).header("Accept", "application/toml").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("[analyst_cli]\n"));
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));

        // The certificate is the one from the files: a client that does not trust it refuses to talk.
        assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(https + "q/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString()));

        // Nothing listens for plain HTTP: a caller can never send its Vault token in clear by mistake.
        int httpPort = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", httpPort), 2000);
            }
        });
    }

    @Test
    void theHelperFetchesOverHttpsTrustingOnlyWhatItIsTold() throws Exception {
        engine.sweep();
        String developer = devServices.vaultTokens().orElseThrow().developer();
        Path file = home.resolve(".snowflake/connections.toml");
        ProcessBuilder pb = new ProcessBuilder("sh", HelperTest.SCRIPT.toString(), "fetch", "analyst_cli")
                .directory(home.toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("VAULT_TOKEN", developer);
        // localhost: the name the certificate carries
        pb.environment().put("PATROL_SERVER", "https://localhost:" + https.getPort());
        pb.environment().put("PATROL_CORTEX_MANAGED_SETTINGS", home.resolve("none.json").toString());
        pb.environment().remove("SNOWFLAKE_HOME");
        pb.environment().remove("CURL_CA_BUNDLE");
        pb.redirectErrorStream(true);

        Process untrusted = pb.start();
        String out = new String(untrusted.getInputStream().readAllBytes());
        assertTrue(untrusted.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, untrusted.exitValue(), out);
        assertTrue(out.contains("not trusted"), out);
        assertTrue(!Files.exists(file), "nothing written");

        pb.environment().put("CURL_CA_BUNDLE", CERT.toString());
        Process trusted = pb.start();
        out = new String(trusted.getInputStream().readAllBytes());
        assertTrue(trusted.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, trusted.exitValue(), out);
        assertTrue(Files.readString(file).contains("password = \""));
        assertEquals("", out, "nothing on stderr or stdout");
    }
}
