package io.dualwrite.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.mongodb.core.MongoTemplate;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

import io.dualwrite.sample.CustomersApplication;
import io.dualwrite.support.Browser;
import io.dualwrite.support.ConsoleTestApplication;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample customers service, driven from a real (headless Chromium) browser: sign in, then move
 * {@code customers-v2} through every phase on the status page and in the Togglz console, see the guard's refusals
 * explained in both, run the copier and the verifier from the page, and watch the service change behaviour
 * ({@code /api/migration}, which collection a new customer lands in, which one reads come from).
 * <p>
 * Skipped, saying so, when Chromium is not installed ({@code .ci/run} installs it). Screenshots of each step are saved
 * in {@code target/screenshots/}. One browser for the class; the steps build on each other, in order.
 */
@SpringBootTest(classes = CustomersApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "dualwrite.embedded.database=status_browser_tests", "dualwrite.security.password=browser-pw",
                "dualwrite.toggles.max-staleness=200ms", "customers.seed.count=200",
                "management.endpoints.web.exposure.include=health,dualwritejobs,dualwrite",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf(value = "io.dualwrite.support.Browser#installed", disabledReason = "Browser tests skipped: Chromium is not "
        + "installed (/usr/bin/chromium and /usr/bin/chromedriver, or -Dchromium.binary and -Dchromium.driver); "
        + "install it with `apt-get install -y chromium chromium-driver`, as .ci/run does")
class StatusPageBrowserTests {

    private static final String ID = "customers-v2";

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Browser browser;

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    MongoTemplate mongo;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBrowser() {
        Browser.assumeInstalled();
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    @Order(1)
    void theStatusPageAsksForTheAdminLoginFirst() {
        WebDriver driver = browser.driver();
        driver.get(url("/dualwrite/status"));
        assertThat(driver.getCurrentUrl()).endsWith("/login");
        browser.screenshot("01-login");

        driver.findElement(By.name("username")).sendKeys("admin");
        driver.findElement(By.name("password")).sendKeys("wrong");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        // the click returns before the browser has followed the redirect
        browser.waitUntil(WAIT, d -> d.getCurrentUrl().contains("/login?error"));
        assertThat(driver.getCurrentUrl()).contains("/login?error");

        signIn();
        assertThat(driver.getCurrentUrl()).endsWith("/dualwrite/status");
        assertThat(text("phase-" + ID)).isEqualTo("OLD_ONLY");
    }

    @Test
    @Order(2)
    void movesCustomersThroughEveryPhaseOnThePageAndInTheConsole() throws Exception {
        ConsoleTestApplication.bindTogglzTo(context);
        signIn();

        // OLD_ONLY: a customer written through the API is written to the old collection only. (Legacy users are
        // updated, not created: their _ids are strings, an API-created customer's an ObjectId, and the copier needs
        // one _id type per collection.)
        assertThat(text("phase-" + ID)).isEqualTo("OLD_ONLY");
        assertThat(apiPhase()).isEqualTo("OLD_ONLY");
        assertThat(text("instance-phase-" + ID)).isEqualTo("OLD_ONLY");
        List<String> legacy = legacyIds();
        String ada = legacy.get(0);
        String grace = legacy.get(1);
        updateCustomer(ada, "Ada", "Lovelace");
        assertThat(inUsers(ada)).isTrue();
        assertThat(inCustomers(ada)).isFalse();
        browser.screenshot("02-old-only");

        // one step forward on the page: READ_OLD_WRITE_BOTH, and a customer written now is in both collections
        click("next-" + ID);
        assertThat(text("outcome")).startsWith("Accepted.");
        assertThat(text("phase-" + ID)).isEqualTo("READ_OLD_WRITE_BOTH");
        waitForApiPhase("READ_OLD_WRITE_BOTH");
        updateCustomer(grace, "Grace", "Hopper");
        assertThat(inUsers(grace)).isTrue();
        assertThat(inCustomers(grace)).as("written to the new collection too").isTrue();
        assertThat(inCustomers(ada)).as("not copied yet").isFalse();
        waitForPageText("instances-summary-" + ID, "READ_OLD_WRITE_BOTH 1");

        // reading new is refused before any copy: the button is disabled and says why
        assertThat(element("next-" + ID).isEnabled()).isFalse();
        assertThat(text("refusal-next-" + ID)).startsWith("Refused: no copy run has finished that started after the "
                + "migration entered READ_OLD_WRITE_BOTH");
        browser.screenshot("03-refused-before-copy");

        copyAndVerify();
        assertThat(text("copy-" + ID + "-condition")).startsWith("Started while every live instance wrote both "
                + "shapes");
        assertThat(inCustomers(ada)).as("copied").isTrue();
        assertThat(element("next-" + ID).isEnabled()).as("next step enabled; verification: %s; refusal: %s",
                text("verification-" + ID), browser.driver().findElements(By.id("refusal-next-" + ID)).stream()
                        .map(WebElement::getText).toList()).isTrue();
        browser.screenshot("04-copied-and-verified");

        // READ_NEW_WRITE_BOTH: reads now come from the new collection
        click("next-" + ID);
        assertThat(text("outcome")).startsWith("Accepted.");
        assertThat(text("phase-" + ID)).isEqualTo("READ_NEW_WRITE_BOTH");
        waitForApiPhase("READ_NEW_WRITE_BOTH");
        mongo.getCollection("customers").updateOne(byId(ada), Updates.set("firstName", "Ada (new)"));
        assertThat(customer(ada).get("firstName").asString()).as("read from the new collection").isEqualTo("Ada (new)");
        browser.screenshot("05-read-new-write-both");

        // roll back on the page: reads come from the old collection again
        click("previous-" + ID);
        assertThat(text("outcome")).startsWith("Accepted.");
        waitForApiPhase("READ_OLD_WRITE_BOTH");
        assertThat(customer(ada).get("firstName").asString()).as("read from the old collection").isEqualTo("Ada");
        mongo.getCollection("customers").updateOne(byId(ada), Updates.set("firstName", "Ada"));

        // the Togglz console goes through the same guard: after the rollback, reading new needs a new copy
        String refused = setPhaseInConsole("READ_NEW_WRITE_BOTH");
        assertThat(refused).contains("Change refused").contains("no copy run has finished that started after the "
                + "migration entered READ_OLD_WRITE_BOTH");
        browser.screenshot("06-console-refused");

        signIn();
        copyAndVerify();
        String accepted = setPhaseInConsole("READ_NEW_WRITE_BOTH");
        assertThat(accepted).doesNotContain("Change refused");
        waitForApiPhase("READ_NEW_WRITE_BOTH");
        signIn();
        assertThat(text("phase-" + ID)).isEqualTo("READ_NEW_WRITE_BOTH");
        assertThat(text("audit-" + ID)).contains("console").contains("status-page").contains("REFUSED");

        // READ_NEW_WRITE_NEW once every instance reads new: new customers land in the new collection only
        waitForPageText("instances-summary-" + ID, "READ_NEW_WRITE_BOTH 1");
        click("next-" + ID);
        assertThat(text("outcome")).startsWith("Accepted.");
        waitForApiPhase("READ_NEW_WRITE_NEW");
        String hedy = createCustomer("Hedy", "Lamarr", "hedy@example.com");
        assertThat(inCustomers(hedy)).isTrue();
        assertThat(inUsers(hedy)).as("the old collection is no longer written").isFalse();
        waitForPageText("instances-summary-" + ID, "READ_NEW_WRITE_NEW 1");
        assertThat(element("previous-" + ID).isEnabled()).isFalse();
        assertThat(text("refusal-previous-" + ID)).contains("reverse copy");
        browser.screenshot("07-read-new-write-new");
    }

    // ------------------------------------------------------------------ steps

    private void copyAndVerify() {
        click("copy-" + ID + "-start");
        assertThat(text("outcome-message")).startsWith("Started copy run");
        waitForPageText("copy-" + ID + "-status", "FINISHED");
        click("verify-" + ID + "-start");
        assertThat(text("outcome-message")).startsWith("Started verify run");
        waitForPageText("verification-" + ID, "clean");
        // the page that first shows the verification may have computed its steps just before the run finished
        browser.driver().get(url("/dualwrite/status"));
    }

    /** Opens the status page, signing in first when the login page comes up. */
    private void signIn() {
        WebDriver driver = browser.driver();
        driver.get(url("/dualwrite/status"));
        if (driver.getCurrentUrl().contains("/login")) {
            driver.findElement(By.name("username")).sendKeys("admin");
            driver.findElement(By.name("password")).sendKeys("browser-pw");
            driver.findElement(By.cssSelector("button[type=submit]")).click();
            browser.waitUntil(WAIT, d -> !d.getCurrentUrl().contains("/login"));
            if (!driver.getCurrentUrl().endsWith("/dualwrite/status")) {
                driver.get(url("/dualwrite/status"));
            }
        }
    }

    /** Sets the phase in the Togglz console's edit form; returns the text of the page that answers. */
    private String setPhaseInConsole(String phase) {
        WebDriver driver = browser.driver();
        driver.get(url("/togglz-console/index"));
        driver.findElement(By.cssSelector("a[href*='edit?f=" + ID + "']")).click();
        WebElement label = driver.findElements(By.tagName("label")).stream()
                .filter(candidate -> candidate.getText().trim().equals("Phase")).findFirst()
                .orElseThrow(() -> new AssertionError("no Phase field in " + driver.getPageSource()));
        WebElement input = driver.findElement(By.id(label.getAttribute("for")));
        input.clear();
        input.sendKeys(phase);
        browser.screenshot("console-edit-" + phase);
        input.submit();
        return driver.findElement(By.tagName("body")).getText();
    }

    private void click(String id) {
        element(id).click();
        browser.waitUntil(WAIT, d -> !d.findElements(By.id("outcome")).isEmpty());
    }

    /** Reloads the status page until the element's text contains {@code expected}. */
    private void waitForPageText(String id, String expected) {
        browser.waitUntil(WAIT, d -> {
            d.get(url("/dualwrite/status"));
            List<WebElement> found = d.findElements(By.id(id));
            return !found.isEmpty() && found.get(0).getText().contains(expected);
        });
    }

    private WebElement element(String id) {
        try {
            return browser.driver().findElement(By.id(id));
        }
        catch (NoSuchElementException ex) {
            throw new AssertionError("no element #" + id + " in " + browser.driver().getPageSource(), ex);
        }
    }

    private String text(String id) {
        return element(id).getText().trim();
    }

    // ------------------------------------------------------------------ the service's API and data

    private String apiPhase() throws Exception {
        return JSON.readTree(get("/api/migration")).get("phase").asString();
    }

    private void waitForApiPhase(String phase) {
        browser.waitUntil(WAIT, d -> {
            try {
                return apiPhase().equals(phase);
            }
            catch (Exception ex) {
                return false;
            }
        });
    }

    /** The ids of the first two customers the API lists (seeded legacy users). */
    private List<String> legacyIds() throws Exception {
        JsonNode page = JSON.readTree(get("/api/customers?page=0&size=2"));
        JsonNode content = page.has("content") ? page.get("content") : page.get("customers");
        assertThat(content).as(page.toString()).hasSize(2);
        return List.of(content.get(0).get("id").asString(), content.get(1).get("id").asString());
    }

    private void updateCustomer(String id, String first, String last) throws Exception {
        long version = customer(id).get("version").asLong();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url("/api/customers/" + id)))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"firstName\":\"" + first + "\",\"lastName\":\"" + last
                        + "\",\"version\":" + version + "}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private String createCustomer(String first, String last, String email) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url("/api/customers")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"firstName\":\"" + first + "\",\"lastName\":\"" + last
                        + "\",\"email\":\"" + email + "\",\"phone\":\"+44 1\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).get("id").asString();
    }

    private JsonNode customer(String id) throws Exception {
        return JSON.readTree(get("/api/customers/" + id));
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private boolean inUsers(String id) {
        return live("users", id);
    }

    private boolean inCustomers(String id) {
        return live("customers", id);
    }

    private boolean live(String collection, String id) {
        Document document = mongo.getCollection(collection).find(byId(id)).first();
        return document != null && !Boolean.TRUE.equals(document.get("_dwDeleted"));
    }

    /** The API's id as stored: an ObjectId when it looks like one (Spring Data's convention), else the text. */
    private static org.bson.conversions.Bson byId(String id) {
        return ObjectId.isValid(id) ? Filters.in("_id", id, new ObjectId(id)) : Filters.eq("_id", id);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }
}
