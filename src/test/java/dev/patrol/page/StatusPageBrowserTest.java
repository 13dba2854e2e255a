package dev.patrol.page;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.patrol.devservices.DevServices;
import dev.patrol.devservices.vault.VaultSeed;
import dev.patrol.rotation.RotationEngine;
import dev.patrol.vault.SecretStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The status page at / in a real browser: Debian's headless Chromium driven by Selenium through
 * chromedriver, against the dev-services app. Skipped, saying so, when either is not on PATH.
 * A script installed before any page script records every fetch the page makes and its body, so the
 * test can show that no response the page read (and nothing in its DOM) holds a secret.
 */
@QuarkusTest
class StatusPageBrowserTest {

    /** Wraps fetch before the page's own script runs; the page uses nothing else to reach the API. */
    static final String FETCH_LOG = """
            window.__fetches = [];
            const original = window.fetch;
            window.fetch = async function (input, init) {
              const response = await original.apply(this, arguments);
              const entry = { url: typeof input === 'string' ? input : input.url, status: response.status, body: null };
              try { entry.body = await response.clone().text(); } catch (e) { entry.body = 'unreadable: ' + e; }
              window.__fetches.push(entry);
              return response;
            };
            """;
    static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URL page;
    @Inject
    DevServices devServices;
    @Inject
    RotationEngine engine;
    @Inject
    SecretStore store;

    VaultSeed.Tokens tokens;
    ChromeDriver driver;
    Path profile;
    final List<String> secrets = new ArrayList<>();

    static Optional<Path> onPath(String... names) {
        for (String name : names) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p))
                    return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @BeforeEach
    void start() throws Exception {
        Optional<Path> chromium = onPath("chromium", "chromium-browser");
        Optional<Path> chromedriver = onPath("chromedriver");
        String why = "chromium and chromedriver are not both on PATH: the status page's browser test did not run "
                + "(install Debian's chromium and chromium-driver, as .ci/run does)";
        // Also on the console, so the build log says it and not only the test report.
        if (chromium.isEmpty() || chromedriver.isEmpty())
            System.err.println("SKIPPED: " + why);
        Assumptions.assumeTrue(chromium.isPresent() && chromedriver.isPresent(), why);
        tokens = devServices.vaultTokens().orElseThrow();
        engine.sweep();
        store.current("analyst_cli").ifPresent(r -> secrets.add(r.value().token()));
        profile = Files.createTempDirectory("patrol-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.get().toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", FETCH_LOG));
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null)
            driver.quit();
        if (profile != null) {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (tokens != null) {
            given().header("Authorization", "Bearer " + tokens.oncall()).post("/api/v1/connections/analyst_cli/resume").then()
                    .statusCode(200);
        }
    }

    WebDriverWait waiting() {
        // the page redraws a card when its data arrives: an element read mid-redraw is simply read again
        WebDriverWait w = new WebDriverWait(driver, WAIT);
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    void signIn(String token) {
        waiting().until(d -> d.findElement(By.id("token")).isDisplayed());
        driver.findElement(By.id("token")).sendKeys(token);
        driver.findElement(By.id("signin")).click();
    }

    String status() {
        List<WebElement> s = driver.findElements(By.cssSelector(".card[data-connection='analyst_cli'] .status"));
        return s.isEmpty() ? null : s.get(0).getAttribute("data-status");
    }

    int bars() {
        return driver.findElements(By.cssSelector("svg.timeline[data-connection='analyst_cli'] rect.bar.version")).size();
    }

    void screenshot(String name) throws Exception {
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", name), driver.getScreenshotAs(OutputType.BYTES));
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> fetches() {
        return (List<Map<String, Object>>) ((JavascriptExecutor) driver).executeScript("return window.__fetches;");
    }

    @Test
    void aWrongTokenGetsAClearMessage() {
        driver.get(page.toString());
        signIn("hvs.this-token-does-not-exist");
        waiting().until(d -> d.findElement(By.id("message")).getText().contains("not valid"));
        assertTrue(driver.findElement(By.id("token")).isDisplayed(), "asked to sign in again");
        assertFalse(driver.findElement(By.id("status")).isDisplayed());
        assertEquals(null, ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('patrol.vault-token');"),
                "a refused token is not kept");
    }

    @Test
    void onCallSeesRotationsAndRevocationsAndNoSecret() throws Exception {
        driver.get(page.toString());
        signIn(tokens.oncall());
        waiting().until(d -> "ok".equals(status()));
        assertEquals("ok", driver.findElement(By.cssSelector(".card[data-connection='analyst_cli'] .status")).getText());
        assertTrue(driver.findElement(By.cssSelector(".card[data-connection='analyst_cli'] .detail[data-account='default']"))
                .getText().startsWith("default: ANALYST_CLI"), "the card names the connection's account");
        int before = bars();
        assertTrue(before >= 1, "the minted token is drawn");
        assertEquals(tokens.oncall(),
                ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('patrol.vault-token');"));
        assertEquals("", ((JavascriptExecutor) driver).executeScript("return document.cookie;"));

        given().header("Authorization", "Bearer " + tokens.oncall()).post("/api/v1/connections/analyst_cli/rotate").then()
                .statusCode(200);
        store.current("analyst_cli").ifPresent(r -> secrets.add(r.value().token()));
        devServices.snowflake().orElseThrow().runAs("ADMIN", "ACCOUNTADMIN",
                "ALTER USER ANALYST_CLI ADD PAT PAGE_HANDMADE ROLE_RESTRICTION = 'ANALYST_CLI_ROLE'");
        long rotatedTo = store.currentVersion("analyst_cli");
        driver.findElement(By.id("refresh")).click();
        // the new version is drawn as the current bar (the timeline shows the newest versions, so the count may be capped)
        waiting().until(d -> !d.findElements(
                By.cssSelector("svg.timeline[data-connection='analyst_cli'] rect.bar.version.current[data-version='"
                        + rotatedTo + "']"))
                .isEmpty());
        assertEquals(1,
                driver.findElements(By.cssSelector("svg.timeline[data-connection='analyst_cli'] rect.bar.foreign")).size(),
                "the token patrol did not make is drawn as foreign");
        assertTrue(bars() >= 2, "a second bar after the rotation");
        waiting().until(d -> !d.findElements(By.cssSelector("#posture table")).isEmpty()
                && !d.findElements(By.cssSelector("#drift p")).isEmpty());
        assertFalse(driver.findElements(By.cssSelector("svg.timeline[data-connection='analyst_cli'] rect.bar.grace")).isEmpty(),
                "the previous secret's grace is shaded");
        screenshot("status-page.png");

        given().header("Authorization", "Bearer " + tokens.oncall()).contentType("application/json")
                .body("{\"reason\":\"browser test: token in a screenshot\"}").post("/api/v1/connections/analyst_cli/revoke")
                .then().statusCode(200);
        driver.findElement(By.id("refresh")).click();
        waiting().until(d -> "suspended".equals(status()));
        assertTrue(driver.findElement(By.cssSelector(".card[data-connection='analyst_cli']")).getText()
                .contains("browser test: token in a screenshot"));
        assertFalse(
                driver.findElements(By.cssSelector("svg.timeline[data-connection='analyst_cli'] line.event.revoked")).isEmpty(),
                "the revocation is marked");
        screenshot("status-page-suspended.png");

        String dom = driver.getPageSource();
        List<Map<String, Object>> fetched = fetches();
        assertTrue(fetched.stream().anyMatch(f -> String.valueOf(f.get("url")).endsWith("/connections/analyst_cli/history")),
                fetched.toString());
        assertTrue(secrets.size() >= 2);
        for (String secret : secrets) {
            assertFalse(dom.contains(secret), "a secret in the DOM");
            for (Map<String, Object> f : fetched)
                assertFalse(String.valueOf(f.get("body")).contains(secret), "a secret in " + f.get("url"));
        }
        assertFalse(dom.contains(tokens.oncall()), "the Vault token is not in the DOM");
        for (Map<String, Object> f : fetched) {
            String url = String.valueOf(f.get("url"));
            assertFalse(url.endsWith("/token") || url.contains(tokens.oncall()), "the page fetched " + url);
        }
    }
}
