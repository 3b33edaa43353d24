package io.dualwrite.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import com.mongodb.client.MongoDatabase;

import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.status.StatusContributor;
import io.dualwrite.status.StatusSection;
import io.dualwrite.support.AdminUsers;
import io.dualwrite.support.ConsoleClient;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseToggles;

/**
 * The status page over a real port, as a browser without JavaScript uses it: the login, what each migration shows (by
 * the elements' stable ids), the next and previous step as POST forms with the CSRF token (a refused step disabled,
 * its reason shown), the outcome after the redirect, copier buttons, optional sections, and escaping.
 */
@SpringBootTest(classes = { FixtureApplication.class, AdminUsers.class, StatusPageTests.Beans.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "dualwrite.embedded.database=status_page_tests", "dualwrite.toggles.environment=none",
                "dualwrite.toggles.poll-in-background=false", "dualwrite.copier.poll-interval=20ms",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
class StatusPageTests {

    private static final String PAGE = "/dualwrite/status";

    private static final String PEOPLE = TestMigrations.PEOPLE;

    @TestConfiguration(proxyBeanMethods = false)
    static class Beans {

        @Bean
        MutableClock testClock() {
            return new MutableClock();
        }

        /** A section as another part of dualwrite would contribute one, with markup that must be escaped. */
        @Bean
        StatusContributor notesContributor() {
            return new StatusContributor() {

                @Override
                public String name() {
                    return "notes";
                }

                @Override
                public Optional<StatusSection> section(String migrationId) {
                    if (!migrationId.equals(PEOPLE)) {
                        return Optional.empty();
                    }
                    Map<String, Object> facts = new LinkedHashMap<>();
                    facts.put("owner", "<script>alert('x')</script>");
                    facts.put("recent", List.of(Map.of("id", "p1", "reason", "timeout"), "second & last"));
                    return Optional.of(new StatusSection("Notes <b>bold</b>", facts));
                }
            };
        }

        @Bean
        StatusContributor brokenContributor() {
            return new StatusContributor() {

                @Override
                public String name() {
                    return "broken";
                }

                @Override
                public Optional<StatusSection> section(String migrationId) {
                    throw new IllegalStateException("shadow reads are unreachable");
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    SettablePhaseSource phases;

    @Autowired
    PhaseToggles toggles;

    @Autowired
    PhaseHistory history;

    @Autowired
    InstanceRegistry instances;

    @Autowired
    Copier copier;

    @Autowired
    MutableClock clock;

    MongoDatabase database;

    ConsoleClient ops;

    @BeforeEach
    void startFromOldOnly() {
        Fixtures.clear(context);
        database = Fixtures.database(context);
        phases.setAll(Phase.OLD_ONLY);
        for (String migration : List.of(PEOPLE, TestMigrations.MEMBERS)) {
            toggles.requestPhase(migration, Phase.OLD_ONLY, "setup", "test");
        }
        instances.heartbeat();
        clock.advance(Duration.ofSeconds(1));
        ops = new ConsoleClient(port);
        assertThat(ops.login("ops", "ops-pw").statusCode()).isEqualTo(302);
    }

    @AfterEach
    void cancelRuns() {
        copier.active(PEOPLE).ifPresent(run -> copier.cancel(PEOPLE));
    }

    @Test
    void anonymousBrowsersAreSentToTheLoginPageAndOtherUsersAreForbidden() {
        ConsoleClient anonymous = new ConsoleClient(port);
        HttpResponse<String> page = anonymous.get(PAGE);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).get().asString().endsWith("/login");
        assertThat(anonymous.getWithBasic(PAGE, "ops", "wrong").statusCode()).isEqualTo(401);

        ConsoleClient dev = new ConsoleClient(port);
        assertThat(dev.login("dev", "dev-pw").statusCode()).isEqualTo(302);
        assertThat(dev.get(PAGE).statusCode()).isEqualTo(403);
        assertThat(dev.post(PAGE + "/" + PEOPLE + "/phase", Map.of("phase", "READ_OLD_WRITE_BOTH")).statusCode())
                .isEqualTo(403);
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void showsEachMigrationWithStableIds() {
        String html = page();

        assertThat(text(html, "phase-" + PEOPLE)).isEqualTo("OLD_ONLY");
        assertThat(text(html, "instance-phase-" + PEOPLE)).isEqualTo("OLD_ONLY");
        assertThat(text(html, "health-" + PEOPLE)).isEqualTo("UP");
        assertThat(tag(html, "next-" + PEOPLE)).doesNotContain("disabled");
        assertThat(text(html, "next-" + PEOPLE)).isEqualTo("Move forward to READ_OLD_WRITE_BOTH");
        assertThat(text(html, "note-next-" + PEOPLE)).contains("run the copier once every instance reports");
        assertThat(html).doesNotContain("id=\"previous-" + PEOPLE + "\"");
        assertThat(text(html, "instances-summary-" + PEOPLE)).contains("1 live").contains("OLD_ONLY 1");
        assertThat(text(html, "instances-" + PEOPLE)).contains("(this one)");
        assertThat(text(html, "copy-" + PEOPLE + "-status")).isEqualTo("No copy run yet.");
        assertThat(tag(html, "copy-" + PEOPLE + "-start")).isNotNull();
        assertThat(text(html, "verification-" + PEOPLE)).isEqualTo("none yet");
        assertThat(text(html, "unrepaired-" + PEOPLE)).isEqualTo("0");
        assertThat(text(html, "audit-" + PEOPLE)).contains("setup").contains("ACCEPTED");
        assertThat(text(html, "phase-" + TestMigrations.MEMBERS)).isEqualTo("OLD_ONLY");
        assertThat(html).doesNotContain("id=\"outcome\"");
    }

    @Test
    void theNextStepIsAFormWithTheCsrfTokenAndTheOutcomeIsShownAfterTheRedirect() {
        HttpResponse<String> posted = submit(page(), "next-" + PEOPLE);

        assertThat(posted.statusCode()).isEqualTo(302);
        assertThat(posted.headers().firstValue("Location")).get().asString().endsWith(PAGE);
        String html = page();
        assertThat(text(html, "outcome")).startsWith("Accepted.");
        assertThat(text(html, "outcome-message")).startsWith("Migration 'people-v2' moved from OLD_ONLY to "
                + "READ_OLD_WRITE_BOTH");
        assertThat(text(html, "phase-" + PEOPLE)).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(history.recent(PEOPLE, 1).get(0)).satisfies(entry -> {
            assertThat(entry.user()).isEqualTo("ops");
            assertThat(entry.via()).isEqualTo("status-page");
            assertThat(entry.to()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        });
        assertThat(page()).as("the outcome is shown once").doesNotContain("id=\"outcome\"");
    }

    @Test
    void aStepTheGuardRefusesIsDisabledWithItsReasonAndAForcedRequestIsRefusedWithIt() {
        toggles.requestPhase(PEOPLE, Phase.READ_OLD_WRITE_BOTH, "ops", "test");
        String html = page();

        assertThat(tag(html, "next-" + PEOPLE)).contains("disabled");
        assertThat(text(html, "refusal-next-" + PEOPLE)).startsWith("Refused: no copy run has finished that started "
                + "after the migration entered READ_OLD_WRITE_BOTH");
        assertThat(tag(html, "previous-" + PEOPLE)).doesNotContain("disabled");
        assertThat(text(html, "previous-" + PEOPLE)).isEqualTo("Roll back to OLD_ONLY");

        HttpResponse<String> forced = submit(html, "next-" + PEOPLE);

        assertThat(forced.statusCode()).isEqualTo(302);
        String after = page();
        assertThat(text(after, "outcome")).startsWith("Refused: nothing was changed.");
        assertThat(text(after, "outcome-message")).startsWith("no copy run has finished");
        assertThat(text(after, "phase-" + PEOPLE)).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(history.recent(PEOPLE, 1).get(0).outcome().name()).isEqualTo("REFUSED");
    }

    @Test
    void aPostWithoutTheCsrfTokenIsForbiddenAndChangesNothing() {
        HttpResponse<String> response = ops.post(PAGE + "/" + PEOPLE + "/phase",
                Map.of("phase", "READ_OLD_WRITE_BOTH"));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
        assertThat(history.recent(PEOPLE, 10)).hasSize(1);
    }

    @Test
    void badInputIsExplainedAndChangesNothing() {
        Map<String, String> form = ConsoleClient.hiddenFields(page());
        form.put("phase", "SIDEWAYS");
        ops.post(PAGE + "/" + PEOPLE + "/phase", form);
        assertThat(text(page(), "outcome-message")).isEqualTo("'SIDEWAYS' is not a phase; use one of OLD_ONLY, "
                + "READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW; nothing was changed");

        form.put("phase", "READ_OLD_WRITE_BOTH");
        ops.post(PAGE + "/nope/phase", form);
        String html = page();
        assertThat(text(html, "outcome")).startsWith("Not done: nothing was changed.");
        assertThat(text(html, "outcome-message")).startsWith("No migration 'nope' is declared");
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
        assertThat(history.recent(PEOPLE, 10)).hasSize(1);
    }

    @Test
    void theCopierButtonsStartPauseAndResumeARun() {
        seedLegacy(1_000);
        JobHandle slow = copier.start(PEOPLE, JobOptions.defaults().withBatchSize(10).withRate(0.5));
        String html = page();
        assertThat(text(html, "copy-" + PEOPLE + "-status")).isEqualTo("RUNNING");
        assertThat(tag(html, "copy-" + PEOPLE + "-progress")).contains("max=\"100\"");
        assertThat(html).doesNotContain("id=\"copy-" + PEOPLE + "-start\"");

        submit(html, "copy-" + PEOPLE + "-pause");
        html = page();
        assertThat(text(html, "outcome-message")).startsWith("Paused copy run " + slow.runId());
        assertThat(text(html, "copy-" + PEOPLE + "-status")).isEqualTo("PAUSED");
        assertThat(slow.run().status()).isEqualTo(JobStatus.PAUSED);

        submit(html, "copy-" + PEOPLE + "-resume");
        assertThat(text(page(), "copy-" + PEOPLE + "-status")).isEqualTo("RUNNING");
        assertThat(slow.run().status()).isEqualTo(JobStatus.RUNNING);
        copier.cancel(PEOPLE);

        html = page();
        submit(html, "verify-" + PEOPLE + "-start");
        assertThat(text(page(), "outcome-message")).startsWith("Started verify run");
    }

    @Test
    void sectionsOfOtherPartsAreShownEscapedAndOneThatFailsDoesNotBreakThePage() {
        String html = page();

        String notes = text(html, "section-notes-" + PEOPLE);
        assertThat(notes).contains("<script>alert('x')</script>").contains("second & last");
        assertThat(html).doesNotContain("<script>").doesNotContain("<b>bold</b>")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;").contains("second &amp; last")
                .contains("Notes &lt;b&gt;bold&lt;/b&gt;");
        assertThat(notes).containsAnyOf("id: p1, reason: timeout", "reason: timeout, id: p1");
        assertThat(text(html, "section-broken-" + PEOPLE)).contains("could not be read: shadow reads are unreachable");
        assertThat(html).doesNotContain("id=\"section-notes-" + TestMigrations.MEMBERS + "\"");
    }

    @Test
    void thePageCanReloadItself() {
        assertThat(ops.get(PAGE + "?refresh=1").body()).contains("http-equiv=\"refresh\" content=\"2\"");
        assertThat(page()).doesNotContain("http-equiv=\"refresh\"");
    }

    // ------------------------------------------------------------------ helpers

    private String page() {
        HttpResponse<String> response = ops.get(PAGE);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Submits the form holding the button with this id, with its hidden fields (the CSRF token among them). */
    private HttpResponse<String> submit(String html, String buttonId) {
        int button = html.indexOf("id=\"" + buttonId + "\"");
        assertThat(button).as("button " + buttonId).isPositive();
        int start = html.lastIndexOf("<form", button);
        int end = html.indexOf("</form>", button);
        String form = html.substring(start, end);
        Matcher action = Pattern.compile("action=\"([^\"]+)\"").matcher(form);
        assertThat(action.find()).isTrue();
        String path = action.group(1);
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher input = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"").matcher(form);
        while (input.find()) {
            fields.put(input.group(1), input.group(2).replace("&amp;", "&"));
        }
        assertThat(fields).containsKey("_csrf");
        return ops.post(path, fields);
    }

    /** The opening tag of the element with this id. */
    static String tag(String html, String id) {
        int at = html.indexOf("id=\"" + id + "\"");
        if (at < 0) {
            return null;
        }
        int start = html.lastIndexOf('<', at);
        return html.substring(start, html.indexOf('>', at) + 1);
    }

    /** The text inside the element with this id, tags removed, entities decoded and blanks collapsed. */
    static String text(String html, String id) {
        int at = html.indexOf("id=\"" + id + "\"");
        assertThat(at).as("element #" + id).isPositive();
        int start = html.lastIndexOf('<', at);
        Matcher name = Pattern.compile("<(\\w+)").matcher(html.substring(start));
        assertThat(name.find()).isTrue();
        String tagName = name.group(1);
        int open = html.indexOf('>', at) + 1;
        int depth = 1;
        int position = open;
        Pattern tags = Pattern.compile("<(/?)" + tagName + "\\b[^>]*>");
        Matcher matcher = tags.matcher(html);
        while (depth > 0 && matcher.find(position)) {
            depth += matcher.group(1).isEmpty() ? 1 : -1;
            position = matcher.end();
        }
        String inner = html.substring(open, matcher.start());
        return inner.replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ").trim().replace("&lt;", "<")
                .replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    }

    private void seedLegacy(int count) {
        database.getCollection("people_v1").insertMany(Fixtures.legacyPeople(count));
    }
}
