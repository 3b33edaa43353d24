package io.dualwrite.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.context.WebApplicationContext;

import com.mongodb.client.MongoDatabase;

import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.support.AdminUsers;
import io.dualwrite.support.MutableClock;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseToggles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Actuator endpoint {@code dualwrite} and the health contribution over HTTP: admins only, the full status of each
 * migration, phase changes through the guard (accepted, refused with the reason, bad input), CSRF on POST, and nothing
 * changed unless the answer is 200.
 */
@SpringBootTest(classes = { FixtureApplication.class, AdminUsers.class, StatusEndpointTests.Beans.class },
        webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = { "dualwrite.embedded.database=status_endpoint_tests", "dualwrite.toggles.environment=none",
                "dualwrite.toggles.poll-in-background=false", "dualwrite.copier.poll-interval=20ms",
                "dualwrite.status.cache-ttl=0s", "dualwrite.status.audit-entries=5",
                "management.endpoints.web.exposure.include=health,dualwrite,dualwritejobs",
                "management.endpoint.health.show-details=always",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
class StatusEndpointTests {

    private static final String STATUS = "/actuator/dualwrite";

    private static final String PEOPLE = TestMigrations.PEOPLE;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TestConfiguration(proxyBeanMethods = false)
    static class Beans {

        @Bean
        MutableClock testClock() {
            return new MutableClock();
        }
    }

    @Autowired
    WebApplicationContext context;

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
    Verifier verifier;

    @Autowired
    MutableClock clock;

    MockMvc mvc;

    MongoDatabase database;

    java.time.Instant setUpAt;

    @BeforeEach
    void startFromOldOnly() {
        mvc = AdminUsers.mockMvc(context);
        Fixtures.clear((ConfigurableApplicationContext) context);
        database = Fixtures.database((ConfigurableApplicationContext) context);
        phases.setAll(Phase.OLD_ONLY);
        for (String migration : List.of(PEOPLE, TestMigrations.MEMBERS)) {
            toggles.requestPhase(migration, Phase.OLD_ONLY, "setup", "test");
        }
        instances.heartbeat();
        setUpAt = clock.instant();
        clock.advance(Duration.ofSeconds(1));
    }

    @Test
    void onlyAdminsGetIn() throws Exception {
        assertThat(perform(get(STATUS).accept(MediaType.APPLICATION_JSON)).getStatus()).isEqualTo(401);
        assertThat(perform(get(STATUS).with(httpBasic("ops", "wrong"))).getStatus()).isEqualTo(401);
        assertThat(perform(get(STATUS).with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(perform(get(STATUS + "/" + PEOPLE).with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(perform(post(STATUS + "/" + PEOPLE).with(httpBasic("dev", "dev-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content("{\"phase\":\"READ_OLD_WRITE_BOTH\"}")).getStatus())
                .isEqualTo(403);
        assertThat(perform(post(STATUS + "/" + PEOPLE).with(csrf()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"phase\":\"READ_OLD_WRITE_BOTH\"}")).getStatus()).isEqualTo(401);
        assertUnchanged();
        assertThat(perform(get(STATUS).with(httpBasic("ops", "ops-pw"))).getStatus()).isEqualTo(200);
    }

    @Test
    void showsTheFullStatusOfEveryMigration() throws Exception {
        JsonNode all = json(perform(get(STATUS).with(httpBasic("ops", "ops-pw"))));

        assertThat(all.get("migrations")).hasSize(2);
        JsonNode people = all.get("migrations").get(0);
        assertThat(people.get("migration").asString()).isEqualTo(PEOPLE);
        assertThat(all.get("migrations").get(1).get("migration").asString()).isEqualTo(TestMigrations.MEMBERS);
        assertThat(people.get("phase").get("shared").asString()).isEqualTo("OLD_ONLY");
        assertThat(people.get("phase").get("thisInstance").asString()).isEqualTo("OLD_ONLY");
        assertThat(people.get("phase").get("sharedBy").asString()).isEqualTo("setup");
        assertThat(people.get("phase").get("sharedSince").asString()).isEqualTo(setUpAt.toString());
        assertThat(people.get("phase").has("conflict")).isFalse();
        assertThat(people.get("steps")).hasSize(1);
        JsonNode next = people.get("steps").get(0);
        assertThat(next.get("direction").asString()).isEqualTo("next");
        assertThat(next.get("to").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(next.get("allowed").asBoolean()).isTrue();
        assertThat(next.get("reason").asString()).contains("run the copier once every instance reports");
        assertThat(people.get("instances").get("live").asInt()).isEqualTo(1);
        assertThat(people.get("instances").get("byPhase").get("OLD_ONLY").asInt()).isEqualTo(1);
        assertThat(people.get("instances").get("adjacent").asBoolean()).isTrue();
        assertThat(people.get("instances").get("list").get(0).get("self").asBoolean()).isTrue();
        assertThat(people.get("copy").isNull()).isTrue();
        assertThat(people.get("verification").isNull()).isTrue();
        assertThat(people.get("latestVerification").isNull()).isTrue();
        assertThat(people.get("unrepaired").asLong()).isZero();
        assertThat(people.get("health").asString()).isEqualTo("UP");
        assertThat(people.get("problems")).isEmpty();
        assertThat(people.get("audit").get(0).get("outcome").asString()).isEqualTo("ACCEPTED");
        assertThat(people.get("audit").get(0).get("to").asString()).isEqualTo("OLD_ONLY");
        assertThat(people.get("sections").propertyNames()).as("the parts present in the fixture application")
                .containsExactly("repairs", "shadowReads", "cleanup");
        assertThat(people.get("sections").get("repairs").get("facts").get("unrepaired").asLong()).isZero();

        JsonNode one = json(perform(get(STATUS + "/" + PEOPLE).with(httpBasic("ops", "ops-pw"))));
        assertThat(one.get("migration").asString()).isEqualTo(PEOPLE);
        assertThat(one.get("steps").get(0).get("to").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
    }

    @Test
    void anUnknownMigrationIsNotFound() throws Exception {
        MockHttpServletResponse response = perform(get(STATUS + "/nope").with(httpBasic("ops", "ops-pw")));

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(json(response).get("error").asString())
                .isEqualTo("No migration 'nope' is declared; declared migrations: people-v2, members-v2");

        MockHttpServletResponse post = postPhase("nope", "{\"phase\":\"READ_OLD_WRITE_BOTH\"}");
        assertThat(post.getStatus()).isEqualTo(404);
        assertThat(json(post).get("error").asString()).startsWith("No migration 'nope' is declared");
        assertThat(json(post).get("changed").asBoolean()).isFalse();
        assertUnchanged();
    }

    @Test
    void aPostWithoutTheCsrfTokenIsForbiddenAndChangesNothing() throws Exception {
        MockHttpServletResponse response = perform(post(STATUS + "/" + PEOPLE).with(httpBasic("ops", "ops-pw"))
                .contentType(MediaType.APPLICATION_JSON).content("{\"phase\":\"READ_OLD_WRITE_BOTH\"}"));

        assertThat(response.getStatus()).isEqualTo(403);
        assertUnchanged();
    }

    @Test
    void anAllowedStepIsTakenAndAnsweredWithTheNewStatus() throws Exception {
        MockHttpServletResponse response = postPhase(PEOPLE, "{\"phase\":\" read_old_write_both \"}");

        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        JsonNode answer = json(response);
        assertThat(answer.get("outcome").asString()).isEqualTo("ACCEPTED");
        assertThat(answer.get("from").asString()).isEqualTo("OLD_ONLY");
        assertThat(answer.get("to").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(answer.get("message").asString()).startsWith("Migration 'people-v2' moved from OLD_ONLY to "
                + "READ_OLD_WRITE_BOTH: every instance acts on it within dualwrite.toggles.max-staleness; every "
                + "instance starts writing the new shape too");
        assertThat(answer.get("status").get("phase").get("shared").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(history.accepted(PEOPLE)).hasValueSatisfying(accepted -> {
            assertThat(accepted.phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
            assertThat(accepted.by()).isEqualTo("ops");
        });
        assertThat(history.recent(PEOPLE, 1).get(0)).satisfies(entry -> {
            assertThat(entry.user()).isEqualTo("ops");
            assertThat(entry.via()).isEqualTo("api");
            assertThat(entry.outcome().name()).isEqualTo("ACCEPTED");
        });
    }

    @Test
    void aStepTheGuardRefusesIsAConflictWithTheReasonAndChangesNothing() throws Exception {
        postPhase(PEOPLE, "{\"phase\":\"READ_OLD_WRITE_BOTH\"}");
        long audited = auditEntries();

        MockHttpServletResponse response = postPhase(PEOPLE, "{\"phase\":\"READ_NEW_WRITE_BOTH\"}");

        assertThat(response.getStatus()).isEqualTo(409);
        JsonNode refusal = json(response);
        assertThat(refusal.get("error").asString()).startsWith("no copy run has finished that started after the "
                + "migration entered READ_OLD_WRITE_BOTH");
        assertThat(refusal.get("outcome").asString()).isEqualTo("REFUSED");
        assertThat(refusal.get("from").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(refusal.get("to").asString()).isEqualTo("READ_NEW_WRITE_BOTH");
        assertThat(refusal.get("changed").asBoolean()).isFalse();
        assertThat(refusal.get("steps")).hasSize(2);
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.READ_OLD_WRITE_BOTH);
        assertThat(auditEntries()).as("the refusal is recorded").isEqualTo(audited + 1);
        assertThat(history.recent(PEOPLE, 1).get(0).outcome().name()).isEqualTo("REFUSED");

        MockHttpServletResponse skip = postPhase(TestMigrations.MEMBERS, "{\"phase\":\"READ_NEW_WRITE_NEW\"}");
        assertThat(skip.getStatus()).isEqualTo(409);
        assertThat(json(skip).get("error").asString()).startsWith("skipping a phase is not allowed");
        assertThat(history.accepted(TestMigrations.MEMBERS).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
    }

    @Test
    void aMissingOrInvalidPhaseIsABadRequestAndChangesNothing() throws Exception {
        MockHttpServletResponse invalid = postPhase(PEOPLE, "{\"phase\":\"SIDEWAYS\"}");
        assertThat(invalid.getStatus()).isEqualTo(400);
        assertThat(json(invalid).get("error").asString()).isEqualTo("'SIDEWAYS' is not a phase; use one of OLD_ONLY, "
                + "READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW; nothing was changed");
        assertThat(json(invalid).get("outcome").asString()).isEqualTo("INVALID_PHASE");

        MockHttpServletResponse missing = postPhase(PEOPLE, "{}");
        assertThat(missing.getStatus()).isEqualTo(400);
        assertThat(json(missing).get("error").asString()).startsWith("No phase given");
        assertUnchanged();
    }

    @Test
    void movesToReadingNewOnceACopyStartedWhileEveryInstanceWroteBothAndAVerificationAfterItIsClean()
            throws Exception {
        assertThat(postPhase(PEOPLE, "{\"phase\":\"READ_OLD_WRITE_BOTH\"}").getStatus()).isEqualTo(200);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
        instances.heartbeat();
        clock.advance(Duration.ofSeconds(1));
        database.getCollection("people_v1").insertOne(new Document("_id", "p1").append("first_name", "Ada")
                .append("last_name", "Lovelace").append("mail", "ada@example.com").append("age_text", "36")
                .append("phone", "+44 1"));
        copier.run(PEOPLE, JobOptions.defaults());
        clock.advance(Duration.ofSeconds(1));
        verifier.run(PEOPLE, JobOptions.defaults());
        clock.advance(Duration.ofSeconds(1));

        JsonNode before = json(perform(get(STATUS + "/" + PEOPLE).with(httpBasic("ops", "ops-pw"))));
        assertThat(before.get("copy").get("status").asString()).isEqualTo("FINISHED");
        assertThat(before.get("copy").get("allWritingBothAtStart").asBoolean()).isTrue();
        assertThat(before.get("copy").get("percentDone").asDouble()).isEqualTo(100.0);
        assertThat(before.get("latestVerification").get("clean").asBoolean()).isTrue();
        assertThat(before.get("verification").get("clean").asBoolean()).isTrue();
        assertThat(before.get("steps").get(0).get("allowed").asBoolean()).as(before.toString()).isTrue();

        MockHttpServletResponse response = postPhase(PEOPLE, "{\"phase\":\"READ_NEW_WRITE_BOTH\"}");

        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.READ_NEW_WRITE_BOTH);
    }

    @Test
    void theHealthIsDownPerMigrationWhileSecondWritesAreUnrepaired() throws Exception {
        JsonNode up = json(perform(get("/actuator/health/dualwrite").with(httpBasic("ops", "ops-pw"))));
        assertThat(up.get("status").asString()).isEqualTo("UP");
        assertThat(up.get("components").get(PEOPLE).get("details").get("phase").asString()).isEqualTo("OLD_ONLY");

        database.getCollection("dualwrite_repairs").insertOne(new Document("migration", PEOPLE)
                .append("entityId", "p1").append("shape", "new").append("repaired", false)
                .append("at", new Date()));

        MockHttpServletResponse down = perform(get("/actuator/health/dualwrite/" + PEOPLE)
                .with(httpBasic("ops", "ops-pw")));
        assertThat(down.getStatus()).isEqualTo(503);
        JsonNode health = json(down);
        assertThat(health.get("status").asString()).isEqualTo("DOWN");
        assertThat(health.get("details").get("unrepaired").asLong()).isEqualTo(1);
        assertThat(health.get("details").get("problems").get(0).asString())
                .startsWith("1 failed second write is not repaired yet");
        assertThat(json(perform(get("/actuator/health/dualwrite/" + TestMigrations.MEMBERS)
                .with(httpBasic("ops", "ops-pw")))).get("status").asString()).isEqualTo("UP");

        JsonNode status = json(perform(get(STATUS + "/" + PEOPLE).with(httpBasic("ops", "ops-pw"))));
        assertThat(status.get("health").asString()).isEqualTo("DOWN");
        assertThat(status.get("unrepaired").asLong()).isEqualTo(1);
        assertThat(status.get("problems").get(0).asString()).startsWith("1 failed second write is not repaired yet");
    }

    // ------------------------------------------------------------------ helpers

    private void assertUnchanged() {
        assertThat(history.accepted(PEOPLE).orElseThrow().phase()).isEqualTo(Phase.OLD_ONLY);
        List<String> outcomes = new ArrayList<>();
        history.recent(PEOPLE, 10).forEach(entry -> outcomes.add(entry.outcome().name() + " " + entry.to()));
        assertThat(outcomes).containsExactly("ACCEPTED OLD_ONLY");
    }

    private long auditEntries() {
        return history.recent(PEOPLE, 100).size();
    }

    private MockHttpServletResponse postPhase(String migration, String body) throws Exception {
        return perform(post(STATUS + "/" + migration).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private MockHttpServletResponse perform(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response) throws Exception {
        return JSON.readTree(response.getContentAsString());
    }
}
