package io.dualwrite.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium for browser tests, set up as FACTS.md says works here: the Debian binary and driver named
 * explicitly (no Selenium Manager download), the flags that keep it quiet, a fresh profile. One per test class.
 * Screenshots go to {@code target/screenshots/}.
 */
public final class Browser implements AutoCloseable {

    /** The browser: where {@code apt-get install chromium} puts it, or the system property {@code chromium.binary}. */
    public static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));

    /**
     * The driver: where {@code apt-get install chromium-driver} puts it, or the system property
     * {@code chromium.driver}.
     */
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("chromium.driver", "/usr/bin/chromedriver"));

    /** Where screenshots are saved. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriver driver;

    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Whether Chromium and its driver are installed; for
     * {@code @EnabledIf(value = "io.dualwrite.support.Browser#installed", disabledReason = ...)}, which skips a test
     * class before its Spring context is started.
     */
    public static boolean installed() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /**
     * Skips the calling test class, saying why, when Chromium or its driver is not installed (CI installs both: see
     * {@code .ci/run}).
     */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(installed(),
                "Browser tests skipped: Chromium is not installed here (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "); install it with `apt-get install -y chromium chromium-driver` (.ci/run does)");
    }

    /** Starts a headless Chromium with a fresh profile and a tall window (whole-page screenshots). */
    public static Browser start() {
        assumeInstalled();
        try {
            Path profile = Files.createTempDirectory("dualwrite-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,2000",
                    "--user-data-dir=" + profile.toAbsolutePath());
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(driver, profile);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The driver. */
    public WebDriver driver() {
        return driver;
    }

    /** Waits up to {@code timeout} for {@code condition} to return something other than null or false. */
    public <T> T waitUntil(Duration timeout, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100)).until(condition);
    }

    /**
     * Saves the whole current page as {@code target/screenshots/<name>.png} (the window is first resized to the page's
     * height); returns the file.
     */
    public Path screenshot(String name) {
        try {
            Object height = driver.executeScript("return document.body.scrollHeight");
            int pixels = height instanceof Number number ? number.intValue() : 2000;
            driver.manage().window().setSize(new Dimension(1280, Math.max(600, Math.min(pixels + 160, 6000))));
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        }
        finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            catch (IOException ex) {
                // a leftover temporary profile is harmless
            }
        }
    }
}
