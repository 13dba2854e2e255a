package dev.patrol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * After {@code package} (Failsafe): every path the Dockerfile copies exists, and the Kubernetes
 * files parse and name only configuration keys patrol has.
 */
class DeployFilesIT {

    @Test
    void everyPathTheDockerfileCopiesExists() throws Exception {
        String dockerfile = Files.readString(Path.of("deploy/docker/Dockerfile"));
        List<String> allowed = Files.readAllLines(Path.of(".dockerignore")).stream().filter(l -> l.startsWith("!"))
                .map(l -> l.substring(1)).toList();
        // COPY [--flag ...] source... destination; copies from another stage (--from) are not from the context
        Matcher copy = Pattern.compile("(?m)^COPY ((?:--\\S+ )*)(.+) \\S+$").matcher(dockerfile);
        List<String> sources = new ArrayList<>();
        while (copy.find()) {
            if (!copy.group(1).contains("--from="))
                sources.addAll(List.of(copy.group(2).split(" ")));
        }
        for (String source : sources) {
            if (source.contains("*")) {
                Path dir = Path.of(source.substring(0, source.lastIndexOf('/')));
                try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir,
                        source.substring(source.lastIndexOf('/') + 1))) {
                    assertTrue(matches.iterator().hasNext(), source + " matches nothing");
                }
            } else {
                assertTrue(Files.exists(Path.of(source)), source + " does not exist after package");
            }
            assertTrue(allowed.stream().anyMatch(source::startsWith),
                    source + " is not in the build context .dockerignore leaves");
        }
        for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/"))
            assertTrue(sources.contains("target/quarkus-app/" + layer), layer + " is copied");
        // the emulators only ever reach the training stage, never the final image
        String finalStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        assertFalse(finalStage.contains("patrol-emulators.jar"), "the final image holds no emulator");
        assertTrue(finalStage.contains("COPY --from=cds --chown=185 /deployments/app-cds.jsa /deployments/"));
        assertTrue(finalStage.contains("USER 185"), "runs as non-root");
    }

    @Test
    void kubernetesFilesParseAndUseOnlyKnownKeys() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(Path.of("deploy/kubernetes/patrol.yaml").toFile())) {
            docs.addAll(yaml.readValues(parser, JsonNode.class).readAll());
        }
        TreeSet<String> kinds = new TreeSet<>();
        docs.forEach(d -> kinds.add(d.path("kind").asText()));
        assertEquals(new TreeSet<>(List.of("ConfigMap", "Deployment", "Service", "ServiceAccount")), kinds);
        JsonNode deployment = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        assertEquals(2, deployment.path("spec").path("replicas").asInt());
        JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals("/q/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/live", container.path("livenessProbe").path("httpGet").path("path").asText());
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertFalse(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true));

        JsonNode configMap = docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
        Properties props = new Properties();
        props.load(new StringReader(configMap.path("data").path("application.properties").asText()));
        TreeSet<String> mapped = ConfigKeys.all();
        assertTrue(props.size() > 10);
        for (String key : props.stringPropertyNames())
            assertTrue(ConfigKeys.known(mapped, key), key + " is not a patrol configuration key");
    }
}
