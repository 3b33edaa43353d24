package io.dualwrite.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.context.WebApplicationContext;

import com.mongodb.client.MongoDatabase;

import io.dualwrite.Phase;
import io.dualwrite.cleanup.CleanupScenario;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.AdminUsers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code dualwritecleanup} endpoint behind dualwrite's admin chain: who gets in, CSRF on POST, the dry run and the
 * removal, and errors as JSON (404 unknown migration, 400 no token, 409 refused) that change nothing.
 */
@SpringBootTest(classes = { FixtureApplication.class, AdminUsers.class },
        webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = { "dualwrite.embedded.database=cleanup_endpoint_tests", "dualwrite.toggles.environment=none",
                "dualwrite.toggles.poll-in-background=false", "dualwrite.instances.enabled=false",
                "management.endpoints.web.exposure.include=health,dualwritecleanup",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
class CleanupEndpointTests {

    private static final String CLEANUP = "/actuator/dualwritecleanup";

    private static final String PEOPLE = CLEANUP + "/" + TestMigrations.PEOPLE;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    WebApplicationContext context;

    MockMvc mvc;

    MongoDatabase database;

    @BeforeEach
    void setUp() {
        mvc = AdminUsers.mockMvc(context);
        ConfigurableApplicationContext application = (ConfigurableApplicationContext) context;
        Fixtures.clear(application);
        database = Fixtures.database(application);
        CleanupScenario.seedBothShapes(application, 5);
        CleanupScenario.sharedPhase(application, TestMigrations.PEOPLE, Phase.READ_NEW_WRITE_NEW);
        CleanupScenario.sharedPhase(application, TestMigrations.MEMBERS, Phase.READ_NEW_WRITE_NEW);
        CleanupScenario.instance(application, Clock.systemUTC(), "web-1", Phase.READ_NEW_WRITE_NEW).heartbeat();
    }

    @Test
    void onlyAdminsGetInAndAPostNeedsTheCsrfToken() throws Exception {
        String token = json(perform(get(PEOPLE).with(httpBasic("ops", "ops-pw")))).get("token").asString();
        String body = "{\"token\":\"" + token + "\"}";

        assertThat(perform(get(PEOPLE).accept(MediaType.APPLICATION_JSON)).getStatus()).isEqualTo(401);
        assertThat(perform(get(CLEANUP).accept(MediaType.APPLICATION_JSON)).getStatus()).isEqualTo(401);
        assertThat(perform(get(PEOPLE).with(httpBasic("ops", "wrong"))).getStatus()).isEqualTo(401);
        assertThat(perform(post(PEOPLE).with(csrf()).contentType(MediaType.APPLICATION_JSON).content(body))
                .getStatus()).isEqualTo(401);
        assertThat(perform(get(PEOPLE).with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(perform(get(CLEANUP).with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(perform(post(PEOPLE).with(httpBasic("dev", "dev-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content(body)).getStatus()).isEqualTo(403);
        assertThat(perform(post(PEOPLE).with(httpBasic("ops", "ops-pw"))
                .contentType(MediaType.APPLICATION_JSON).content(body)).getStatus())
                .as("an admin POST without the CSRF token").isEqualTo(403);
        assertThat(collections()).contains("people_v1");
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isZero();

        assertThat(perform(get(CLEANUP).with(httpBasic("ops", "ops-pw"))).getStatus()).isEqualTo(200);
    }

    @Test
    void theDryRunListsWhatAPostWithItsTokenRemoves() throws Exception {
        JsonNode plan = json(perform(get(PEOPLE).with(httpBasic("ops", "ops-pw"))));
        assertThat(plan.get("kind").asString()).isEqualTo("DROP_COLLECTION");
        assertThat(plan.get("collection").asString()).isEqualTo("people_v1");
        assertThat(plan.get("documents").asLong()).isEqualTo(5);
        assertThat(plan.get("indexes").get(0).get("name").asString()).isEqualTo("_id_");
        assertThat(plan.get("indexes").get(0).get("keys").get("_id").asInt()).isEqualTo(1);
        assertThat(plan.get("summary").asString()).isEqualTo("Drop collection 'people_v1' (5 documents, 1 index)");
        assertThat(plan.get("sharedPhase").asString()).isEqualTo("READ_NEW_WRITE_NEW");
        assertThat(plan.get("allowed").asBoolean()).isTrue();
        assertThat(plan.get("blockers")).isEmpty();
        assertThat(plan.get("cleanedUp").asBoolean()).isFalse();
        JsonNode members = json(perform(get(CLEANUP + "/" + TestMigrations.MEMBERS).with(httpBasic("ops", "ops-pw"))));
        assertThat(members.get("kind").asString()).isEqualTo("UNSET_FIELDS");
        assertThat(members.get("fields").get(0).get("name").asString()).isEqualTo("age_text");
        assertThat(members.get("fields").get(0).get("documents").asLong()).isEqualTo(5);

        MockHttpServletResponse executed = perform(post(PEOPLE).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"token\":\"" + plan.get("token").asString() + "\"}"));

        assertThat(executed.getStatus()).isEqualTo(200);
        JsonNode result = json(executed);
        assertThat(result.get("message").asString()).isEqualTo("Dropped collection 'people_v1' with 5 documents and "
                + "1 index");
        assertThat(result.get("record").get("by").asString()).isEqualTo("ops (Actuator endpoint dualwritecleanup)");
        assertThat(collections()).doesNotContain("people_v1").contains("people_v2");

        JsonNode all = json(perform(get(CLEANUP).with(httpBasic("ops", "ops-pw"))));
        assertThat(all.get("migrations").get(0).get("migration").asString()).isEqualTo(TestMigrations.PEOPLE);
        assertThat(all.get("migrations").get(0).get("cleanedUp").asBoolean()).isTrue();
        assertThat(all.get("migrations").get(0).get("lastCleanup").get("collection").asString())
                .isEqualTo("people_v1");
        assertThat(all.get("migrations").get(1).get("cleanedUp").asBoolean()).isFalse();
    }

    @Test
    void errorsAreJsonWithAMessageAndChangeNothing() throws Exception {
        String token = json(perform(get(PEOPLE).with(httpBasic("ops", "ops-pw")))).get("token").asString();

        MockHttpServletResponse unknown = perform(get(CLEANUP + "/nope").with(httpBasic("ops", "ops-pw")));
        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(json(unknown).get("message").asString())
                .isEqualTo("No migration 'nope' is declared; declared migrations: people-v2, members-v2");
        assertThat(postToken(CLEANUP + "/nope", token).getStatus()).isEqualTo(404);

        MockHttpServletResponse noToken = perform(post(PEOPLE).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content("{}"));
        assertThat(noToken.getStatus()).isEqualTo(400);
        assertThat(json(noToken).get("message").asString()).startsWith("token is required: GET "
                + "/actuator/dualwritecleanup/people-v2 for the dry run");

        MockHttpServletResponse stale = postToken(PEOPLE, "0123456789abcdef");
        assertThat(stale.getStatus()).isEqualTo(409);
        assertThat(json(stale).get("message").asString()).contains("does not match what a dry run finds now");
        assertThat(json(stale).get("changed").asBoolean()).isFalse();

        CleanupScenario.sharedPhase((ConfigurableApplicationContext) context, TestMigrations.PEOPLE,
                Phase.READ_NEW_WRITE_BOTH);
        MockHttpServletResponse refused = postToken(PEOPLE, token);
        assertThat(refused.getStatus()).isEqualTo(409);
        JsonNode body = json(refused);
        assertThat(body.get("message").asString()).startsWith("Cleanup of migration 'people-v2' refused, nothing was "
                + "removed: The shared phase of migration 'people-v2' is READ_NEW_WRITE_BOTH");
        assertThat(body.get("reasons")).hasSize(1);
        assertThat(body.get("changed").asBoolean()).isFalse();

        assertThat(collections()).contains("people_v1");
        assertThat(database.getCollection("people_v1").countDocuments()).isEqualTo(5);
        assertThat(database.getCollection("dualwrite_cleanups").countDocuments()).isZero();
    }

    private MockHttpServletResponse postToken(String path, String token) throws Exception {
        return perform(post(path).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content("{\"token\":\"" + token + "\"}"));
    }

    private MockHttpServletResponse perform(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response) throws Exception {
        return JSON.readTree(response.getContentAsString());
    }

    private Set<String> collections() {
        Set<String> names = new TreeSet<>();
        database.listCollectionNames().forEach(names::add);
        return names;
    }
}
