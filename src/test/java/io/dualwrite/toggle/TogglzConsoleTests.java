package io.dualwrite.toggle;

import static io.dualwrite.support.TestMigrations.CUSTOMERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dualwrite.Phase;
import io.dualwrite.support.ConsoleClient;
import io.dualwrite.support.ConsoleTestApplication;
import io.dualwrite.support.MutableClock;
import io.dualwrite.support.TestMongo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Togglz console over a real port: admins only, CSRF on, and a phase changed there is what every instance acts on.
 * The application declares its own users here (an admin and a plain user), which the console login uses.
 */
@SpringBootTest(classes = { ConsoleTestApplication.class, TogglzConsoleTests.Users.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "dualwrite.toggles.poll-in-background=false",
            "dualwrite.toggles.locations=classpath:toggles-test/empty/" })
class TogglzConsoleTests {

    private static final Pattern EDIT_LINK = Pattern.compile("href=\"(edit\\?f=" + Pattern.quote(CUSTOMERS)
            + "&togglz_csrf=[^\"]+)\"");

    private static final Pattern PHASE_INPUT = Pattern.compile("<label[^>]*for=\"(p\\d+)\"[^>]*>\\s*Phase\\s*</label>");

    @DynamicPropertySource
    static void mongo(DynamicPropertyRegistry registry) {
        registry.add("spring.mongodb.uri", () -> TestMongo.uri("console_tests"));
    }

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    PhaseToggles toggles;

    @Autowired
    TogglzPhaseSource phaseSource;

    @Autowired
    MutableClock clock;

    @Autowired
    PhaseHistory history;

    @BeforeEach
    void startFromOldOnly() {
        ConsoleTestApplication.bindTogglzTo(context);
        toggles.requestPhase(CUSTOMERS, Phase.OLD_ONLY, "test setup");
    }

    @Test
    void anonymousBrowsersAreSentToTheLoginPageAndOtherClientsGet401() {
        ConsoleClient anonymous = new ConsoleClient(port);
        HttpResponse<String> page = anonymous.get("/togglz-console/index");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).get().asString().endsWith("/login");
        assertThat(anonymous.getWithBasic("/togglz-console/index", "ops", "wrong").statusCode()).isEqualTo(401);
        assertThat(anonymous.get("/login").body()).contains("name=\"_csrf\"");
    }

    @Test
    void aSignedInUserWithoutTheAdminAuthorityIsForbidden() {
        ConsoleClient dev = new ConsoleClient(port);
        assertThat(dev.login("dev", "dev-pw").statusCode()).isEqualTo(302);
        assertThat(dev.get("/togglz-console/index").statusCode()).isEqualTo(403);
        assertThat(dev.getWithBasic("/togglz-console/index", "dev", "dev-pw").statusCode()).isEqualTo(403);
    }

    @Test
    void theAdminSeesTheMigrationToggles() {
        ConsoleClient ops = new ConsoleClient(port);
        HttpResponse<String> login = ops.login("ops", "ops-pw");
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).get().asString().endsWith("/togglz-console/index");
        HttpResponse<String> index = ops.get("/togglz-console/index");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("Migration customers-v2 \u2014 phase").contains("dualwrite migrations")
                .contains("Migration orders.v3 \u2014 phase");
        assertThat(ops.getWithBasic("/togglz-console/index", "ops", "ops-pw").statusCode()).isEqualTo(200);
    }

    @Test
    void theAdminChangesThePhaseInTheConsoleAndEveryInstanceActsOnItWithinMaxStaleness() {
        ConsoleClient ops = signedInAdmin();
        Map<String, String> form = editForm(ops);
        assertThat(form).containsKeys("_csrf", "togglz_csrf");

        HttpResponse<String> saved = ops.post("/togglz-console/edit", form(form, "READ_OLD_WRITE_BOTH"));

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(302);
        assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(phaseSource.currentPhase(CUSTOMERS)).isEqualTo(Phase.OLD_ONLY);
        clock.advance(Duration.ofSeconds(1));
        phaseSource.tick();
        assertThat(phaseSource.currentPhase(CUSTOMERS)).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
    }

    @Test
    void aConsolePostWithoutTheCsrfTokenIsRefusedAndChangesNothing() {
        ConsoleClient ops = signedInAdmin();
        Map<String, String> form = form(editForm(ops), "READ_OLD_WRITE_BOTH");
        form.remove("_csrf");

        HttpResponse<String> refused = ops.post("/togglz-console/edit", form);

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void theConsoleRefusesAValueThatIsNotAPhase() {
        ConsoleClient ops = signedInAdmin();

        HttpResponse<String> refused = ops.post("/togglz-console/edit", form(editForm(ops), "BANANA"));

        assertThat(refused.statusCode()).isEqualTo(200);
        assertThat(refused.body()).contains("alert-danger");
        assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void disablingAMigrationToggleInTheConsoleIsRefusedAndChangesNothing() {
        ConsoleClient ops = signedInAdmin();
        Map<String, String> form = form(editForm(ops), "READ_OLD_WRITE_BOTH");
        form.remove("enabled");

        HttpResponse<String> refused = ops.post("/togglz-console/edit", form);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("Change refused").contains("customers-v2").contains("disabled")
                .contains("Nothing was changed");
        assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void aStepTheGuardRefusesIsExplainedInTheConsoleAuditedAndChangesNothing() {
        ConsoleClient ops = signedInAdmin();

        HttpResponse<String> refused = ops.post("/togglz-console/edit", form(editForm(ops), "READ_NEW_WRITE_BOTH"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("Change refused")
                .contains("from OLD_ONLY to READ_NEW_WRITE_BOTH")
                .contains("skipping a phase is not allowed; move one step at a time, first to READ_OLD_WRITE_BOTH")
                .contains("Back to the console");
        assertThat(toggles.storedState(CUSTOMERS).phase()).isEqualTo(Phase.OLD_ONLY);
        AuditEntry entry = history.recent(CUSTOMERS, 1).get(0);
        assertThat(entry).extracting(AuditEntry::user, AuditEntry::via, AuditEntry::outcome, AuditEntry::from,
                AuditEntry::to).containsExactly("ops", "console", AuditEntry.Outcome.REFUSED, Phase.OLD_ONLY,
                        Phase.READ_NEW_WRITE_BOTH);
    }

    private ConsoleClient signedInAdmin() {
        ConsoleClient ops = new ConsoleClient(port);
        assertThat(ops.login("ops", "ops-pw").statusCode()).isEqualTo(302);
        return ops;
    }

    /** Opens the edit page the way the console's own link does; returns its hidden fields plus the phase input id. */
    private Map<String, String> editForm(ConsoleClient ops) {
        HttpResponse<String> index = ops.get("/togglz-console/index");
        Matcher link = EDIT_LINK.matcher(index.body());
        assertThat(link.find()).as("edit link in %s", index.body()).isTrue();
        HttpResponse<String> edit = ops.get("/togglz-console/" + link.group(1).replace("&amp;", "&"));
        assertThat(edit.statusCode()).as(edit.body()).isEqualTo(200);
        Matcher phaseInput = PHASE_INPUT.matcher(edit.body());
        assertThat(phaseInput.find()).as("phase input in %s", edit.body()).isTrue();
        Map<String, String> fields = ConsoleClient.hiddenFields(edit.body());
        fields.put("phase-input", phaseInput.group(1));
        return fields;
    }

    /** The edit form as the browser submits it: enabled, strategy 'Migration phase', the phase typed in. */
    private static Map<String, String> form(Map<String, String> editForm, String phase) {
        Map<String, String> form = new java.util.LinkedHashMap<>(editForm);
        String phaseInput = form.remove("phase-input");
        form.put("enabled", "enabled");
        form.put("strategy", PhaseActivationStrategy.ID);
        form.put(phaseInput, phase);
        return form;
    }

    @Configuration(proxyBeanMethods = false)
    static class Users {

        @Bean
        UserDetailsService users() {
            return new InMemoryUserDetailsManager(
                    User.withUsername("ops").password("{noop}ops-pw").authorities("ROLE_DUALWRITE_ADMIN").build(),
                    User.withUsername("dev").password("{noop}dev-pw").roles("USER").build());
        }
    }
}
