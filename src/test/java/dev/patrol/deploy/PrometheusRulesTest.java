package dev.patrol.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The alerting rules in deploy/prometheus: every alert has a unit test that sees it fire and one that
 * sees it stay quiet, and promtool (Debian's prometheus package) checks and runs them. Without promtool
 * on PATH the promtool tests are skipped with a message saying so; the coverage check always runs.
 */
class PrometheusRulesTest {

    static final Path DIR = Path.of("deploy/prometheus");
    static final Path RULES = DIR.resolve("patrol-rules.yaml");
    static final Path TESTS = DIR.resolve("patrol-rules.test.yaml");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Optional<Path> promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p))
                return Optional.of(p);
        }
        return Optional.empty();
    }

    static Path requirePromtool() {
        Optional<Path> p = promtool();
        String why = "promtool is not on PATH: the alerting-rule unit tests did not run (install Debian's prometheus package, as .ci/run does)";
        // Also on the console, so the build log says it and not only the test report.
        if (p.isEmpty())
            System.err.println("SKIPPED: " + why);
        Assumptions.assumeTrue(p.isPresent(), why);
        return p.get();
    }

    static String run(Path promtool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(promtool.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish within 60 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void everyAlertIsTestedFiringAndQuiet() throws Exception {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode g : YAML.readTree(RULES.toFile()).get("groups")) {
            for (JsonNode r : g.get("rules")) {
                if (r.has("alert")) {
                    alerts.add(r.get("alert").asText());
                    String summary = r.path("annotations").path("summary").asText();
                    assertTrue(summary.contains("README \""), r.get("alert").asText() + " names a README section");
                    boolean perConnection = r.get("expr").asText().contains("by (connection");
                    if (perConnection)
                        assertTrue(summary.contains("$labels.connection"), r.get("alert").asText() + " names the connection");
                }
            }
        }
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode t : YAML.readTree(TESTS.toFile()).get("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                (a.get("exp_alerts").isEmpty() ? quiet : fires).add(a.get("alertname").asText());
            }
        }
        assertTrue(alerts.size() >= 9, alerts.toString());
        assertEquals(alerts, fires, "alerts seen firing in patrol-rules.test.yaml");
        assertEquals(alerts, quiet, "alerts seen staying quiet in patrol-rules.test.yaml");
    }

    @Test
    void theDashboardQueriesPatrolsMetrics() throws Exception {
        JsonNode d = new ObjectMapper().readTree(Path.of("deploy/grafana/patrol-dashboard.json").toFile());
        assertEquals("DS_PROMETHEUS", d.path("__inputs").get(0).path("name").asText(), "the data source is chosen on import");
        Set<Integer> ids = new TreeSet<>();
        Set<String> titles = new TreeSet<>();
        for (JsonNode p : d.get("panels")) {
            assertTrue(ids.add(p.get("id").asInt()), "panel ids are unique");
            titles.add(p.get("title").asText());
            assertTrue(p.get("targets").size() > 0, p.get("title").asText());
            for (JsonNode t : p.get("targets"))
                assertTrue(t.get("expr").asText().matches("(?s).*(patrol_|up\\{).*"), t.toString());
        }
        for (String wanted : List.of("Days until each secret expires", "Rotations by outcome", "Sweep duration",
                "Drift findings by kind")) {
            assertTrue(titles.contains(wanted), wanted);
        }
    }

    /** Every patrol series on the dashboard follows its account selector, and every query parses as PromQL. */
    @Test
    void theDashboardFiltersByAccountAndItsQueriesParse() throws Exception {
        JsonNode d = new ObjectMapper().readTree(Path.of("deploy/grafana/patrol-dashboard.json").toFile());
        assertEquals("account", d.path("templating").path("list").get(0).path("name").asText());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (JsonNode p : d.get("panels")) {
            for (JsonNode t : p.get("targets")) {
                String expr = t.get("expr").asText();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("patrol_[a-z_]+(\\{[^}]*\\})?").matcher(expr);
                while (m.find())
                    assertTrue(m.group().contains("account=~\"$account\""), m.group() + " in " + expr);
                String promql = expr.replace("$__rate_interval", "5m").replace("$account", ".*");
                rules.append("      - record: dashboard:query_").append(n++).append("\n        expr: '")
                        .append(promql.replace("'", "''")).append("'\n");
            }
        }
        Path file = Files.createDirectories(Path.of("target", "dashboard-queries")).resolve("queries.yaml");
        Files.writeString(file, rules.toString());
        String out = run(requirePromtool(), "check", "rules", file.toAbsolutePath().toString());
        assertTrue(out.contains("SUCCESS: " + n + " rules found"), out);
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        String out = run(requirePromtool(), "check", "rules", RULES.getFileName().toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        String out = run(requirePromtool(), "test", "rules", TESTS.getFileName().toString());
        assertTrue(out.contains("SUCCESS"), out);
    }
}
