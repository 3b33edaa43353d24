package io.dualwrite.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.togglz.core.activation.GradualActivationStrategy;

import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.ConsoleClient;
import io.dualwrite.support.ConsoleTestApplication;
import io.dualwrite.support.MutableClock;

/**
 * An operator changes a migration's shadow-read rate in the Togglz console, as a browser would (login, the edit page's
 * own link, CSRF tokens, "Gradual rollout" and a percentage), and the instance compares that share of reads after its
 * next poll.
 */
@SpringBootTest(classes = { FixtureApplication.class, ShadowReadConsoleTests.TestClock.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "dualwrite.embedded.database=shadow_console", "dualwrite.toggles.environment=none",
            "dualwrite.toggles.poll-in-background=false", "dualwrite.security.username=ops",
            "dualwrite.security.password=ops-pw", "dualwrite.shadow-reads.threads=0",
            "spring.thymeleaf.check-template-location=false" })
class ShadowReadConsoleTests {

    private static final String FEATURE = TestMigrations.PEOPLE + ".shadow-reads";

    private static final Pattern EDIT_LINK = Pattern.compile("href=\"(edit\\?f=" + Pattern.quote(FEATURE)
            + "&(?:amp;)?togglz_csrf=[^\"]+)\"");

    private static final Pattern PERCENTAGE_INPUT =
            Pattern.compile("<label[^>]*for=\"(p\\d+)\"[^>]*>\\s*Percentage\\s*</label>");

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    ShadowReads shadowReads;

    @Autowired
    MutableClock clock;

    @BeforeEach
    void bindTheConsole() {
        ConsoleTestApplication.bindTogglzTo(context);
        shadowReads.setSampleRate(TestMigrations.PEOPLE, 0.01);
    }

    @Test
    void theRateIsListedAndChangedInTheConsole() {
        ConsoleClient ops = new ConsoleClient(port);
        assertThat(ops.login("ops", "ops-pw").statusCode()).isEqualTo(302);
        HttpResponse<String> index = ops.get("/togglz-console/index");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("Migration people-v2 \u2014 shadow reads (% of reads compared)");

        Matcher link = EDIT_LINK.matcher(index.body());
        assertThat(link.find()).as("edit link of %s", FEATURE).isTrue();
        HttpResponse<String> edit = ops.get("/togglz-console/" + link.group(1).replace("&amp;", "&"));
        assertThat(edit.statusCode()).as(edit.body()).isEqualTo(200);
        Matcher percentage = PERCENTAGE_INPUT.matcher(edit.body());
        assertThat(percentage.find()).as("percentage input in %s", edit.body()).isTrue();
        Map<String, String> form = new LinkedHashMap<>(ConsoleClient.hiddenFields(edit.body()));
        form.put("enabled", "enabled");
        form.put("strategy", GradualActivationStrategy.ID);
        form.put(percentage.group(1), "25");

        HttpResponse<String> saved = ops.post("/togglz-console/edit", form);

        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(302);
        assertThat(shadowReads.sampleRate(TestMigrations.PEOPLE)).as("before the next poll").isEqualTo(0.01);
        clock.advance(Duration.ofSeconds(1));
        shadowReads.tick();
        assertThat(shadowReads.sampleRate(TestMigrations.PEOPLE)).isEqualTo(0.25);
        assertThat(shadowReads.conflicts()).isEmpty();
    }

    @Configuration(proxyBeanMethods = false)
    static class TestClock {

        @Bean
        MutableClock testClock() {
            return new MutableClock();
        }
    }
}
