package io.dualwrite.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.context.WebApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.copier.Verifier;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.AdminUsers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code dualwritejobs} endpoint behind dualwrite's admin chain: who gets in, what it reports, CSRF on POST, and
 * bad input answered with 400 and nothing changed.
 */
@SpringBootTest(classes = { FixtureApplication.class, AdminUsers.class },
        webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = { "dualwrite.embedded.database=jobs_endpoint_tests", "dualwrite.toggles.environment=none",
                "dualwrite.toggles.poll-in-background=false", "dualwrite.copier.poll-interval=20ms",
                "management.endpoints.web.exposure.include=health,dualwritejobs",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
class DualWriteJobsEndpointTests {

    private static final String JOBS = "/actuator/dualwritejobs";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    WebApplicationContext context;

    @Autowired
    Copier copier;

    @Autowired
    Verifier verifier;

    @Autowired
    SettablePhaseSource phases;

    MockMvc mvc;

    MongoDatabase database;

    final List<JobHandle> handles = new ArrayList<>();

    @BeforeEach
    void setUp() {
        mvc = AdminUsers.mockMvc(context);
        Fixtures.clear((ConfigurableApplicationContext) context);
        database = Fixtures.database((ConfigurableApplicationContext) context);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (JobHandle handle : handles) {
            handle.stop();
            handle.await(Duration.ofSeconds(20));
        }
    }

    @Test
    void onlyAdminsGetIn() throws Exception {
        assertThat(perform(get(JOBS).accept(MediaType.APPLICATION_JSON)).getStatus()).isEqualTo(401);
        assertThat(perform(get(JOBS).with(httpBasic("ops", "wrong"))).getStatus()).isEqualTo(401);
        assertThat(perform(get(JOBS).with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(perform(get(JOBS + "/" + TestMigrations.PEOPLE).with(httpBasic("dev", "dev-pw"))).getStatus())
                .isEqualTo(403);
        assertThat(perform(post(JOBS + "/" + TestMigrations.PEOPLE).with(httpBasic("dev", "dev-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content("{\"action\":\"start\"}")).getStatus())
                .isEqualTo(403);
        assertThat(perform(get("/dualwrite/csrf").with(httpBasic("dev", "dev-pw"))).getStatus()).isEqualTo(403);
        assertThat(database.getCollection("dualwrite_jobs").countDocuments()).isZero();

        MockHttpServletResponse admin = perform(get(JOBS).with(httpBasic("ops", "ops-pw")));
        assertThat(admin.getStatus()).isEqualTo(200);
    }

    @Test
    void listsEveryMigrationAndDetailsOneWithExamplesAndDeadLetters() throws Exception {
        seedLegacy(30);
        collection("people_v1").updateOne(Filters.eq("_id", "p00007"),
                new Document("$set", new Document("age_text", "seven")));
        copier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10));
        collection("people_v2").updateOne(Filters.eq("_id", "p00002"),
                new Document("$set", new Document("lastName", "Changed")));
        verifier.run(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10));

        JsonNode all = json(perform(get(JOBS).with(httpBasic("ops", "ops-pw"))));
        assertThat(all.get("migrations")).hasSize(2);
        JsonNode people = all.get("migrations").get(0);
        assertThat(people.get("migration").asString()).isEqualTo(TestMigrations.PEOPLE);
        assertThat(people.get("phase").asString()).isEqualTo("READ_OLD_WRITE_BOTH");
        assertThat(people.get("copy").get("active").isNull()).isTrue();
        assertThat(people.get("copy").get("latestFinished").get("counts").get("copied").asLong()).isEqualTo(29);
        assertThat(people.get("copy").get("latestFinished").get("allWritingBothAtStart").asBoolean()).isTrue();
        assertThat(people.get("verify").get("latestFinished").get("clean").asBoolean()).isFalse();
        assertThat(people.get("verify").get("latestFinished").has("examples")).as("details only").isFalse();
        assertThat(people.get("deadLetterCount").asLong()).isEqualTo(1);
        assertThat(all.get("migrations").get(1).get("copy").get("latest").isNull()).isTrue();

        JsonNode details = json(perform(get(JOBS + "/" + TestMigrations.PEOPLE).with(httpBasic("ops", "ops-pw"))));
        JsonNode verification = details.get("verify").get("latestFinished");
        assertThat(verification.get("summary").asString()).contains("(NOT clean)");
        assertThat(verification.get("percentDone").asDouble()).isEqualTo(100.0);
        JsonNode different = null;
        for (JsonNode example : verification.get("examples")) {
            if (example.get("kind").asString().equals("different")) {
                different = example;
            }
        }
        assertThat(different).isNotNull();
        assertThat(different.get("id").asString()).isEqualTo("p00002");
        assertThat(different.get("fields").get(0).get("field").asString()).isEqualTo("lastName");
        assertThat(different.get("fields").get(0).get("expected").asString()).isEqualTo("Last2");
        assertThat(different.get("fields").get(0).get("actual").asString()).isEqualTo("Changed");
        assertThat(details.get("deadLetters")).hasSize(1);
        assertThat(details.get("deadLetters").get(0).get("documentId").asString()).isEqualTo("p00007");
        assertThat(details.get("deadLetters").get(0).get("error").asString()).contains("seven");

        MockHttpServletResponse unknown = perform(get(JOBS + "/nope").with(httpBasic("ops", "ops-pw")));
        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(json(unknown).get("message").asString())
                .isEqualTo("No migration 'nope' is declared; declared migrations: people-v2, members-v2");
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        JobHandle handle = slowCopy();

        MockHttpServletResponse response = perform(post(JOBS + "/" + TestMigrations.PEOPLE)
                .with(httpBasic("ops", "ops-pw")).contentType(MediaType.APPLICATION_JSON)
                .content("{\"action\":\"pause\"}"));

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(handle.run().status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aScriptTakesTheTokenFromDualwriteCsrfThenPausesResumesRatesAndCancels() throws Exception {
        JobHandle handle = slowCopy();
        MvcResult tokenResult = mvc.perform(get("/dualwrite/csrf").with(httpBasic("ops", "ops-pw"))).andReturn();
        assertThat(tokenResult.getResponse().getStatus()).isEqualTo(200);
        JsonNode token = json(tokenResult.getResponse());
        assertThat(token.get("headerName").asString()).isEqualTo("X-CSRF-TOKEN");
        MockHttpSession session = (MockHttpSession) tokenResult.getRequest().getSession(false);
        assertThat(session).as("the token lives in the session: keep its cookie").isNotNull();

        JsonNode paused = json(control(session, token, "{\"action\":\"pause\",\"job\":\"copy\"}", 200));
        assertThat(paused.get("run").get("status").asString()).isEqualTo("PAUSED");
        assertThat(paused.get("message").asString()).isEqualTo("Paused copy run " + handle.runId());
        assertThat(handle.run().status()).isEqualTo(JobStatus.PAUSED);

        control(session, token, "{\"action\":\"resume\"}", 200);
        assertThat(handle.run().status()).isEqualTo(JobStatus.RUNNING);

        JsonNode rated = json(control(session, token, "{\"action\":\"rate\",\"rate\":3}", 200));
        assertThat(rated.get("run").get("rate").asDouble()).isEqualTo(3.0);
        assertThat(handle.run().rate()).isEqualTo(3.0);

        control(session, token, "{\"action\":\"cancel\"}", 200);
        assertThat(handle.run().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void startRunsWorkersInThisProcess() throws Exception {
        seedLegacy(40);

        JsonNode started = json(perform(post(JOBS + "/" + TestMigrations.PEOPLE).with(httpBasic("ops", "ops-pw"))
                .with(csrf()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"action\":\"start\",\"job\":\"copy\",\"workers\":2}")));

        assertThat(started.get("message").asString()).startsWith("Working on copy run ")
                .endsWith("with 2 worker(s) in this process");
        String runId = started.get("run").get("id").asString();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (copier.active(TestMigrations.PEOPLE).isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(20); // the endpoint's workers run in this process; wait for them to finish the run
        }
        assertThat(copier.latestFinished(TestMigrations.PEOPLE)).hasValueSatisfying(run -> {
            assertThat(run.id()).isEqualTo(runId);
            assertThat(run.count("copied")).isEqualTo(40);
        });
        assertThat(collection("people_v2").countDocuments()).isEqualTo(40);
    }

    @Test
    void badInputIsABadRequestWithAMessageAndChangesNothing() throws Exception {
        JobHandle handle = slowCopy();
        String people = JOBS + "/" + TestMigrations.PEOPLE;

        assertBadRequest(JOBS + "/nope", "{\"action\":\"pause\"}",
                "No migration 'nope' is declared; declared migrations: people-v2, members-v2");
        assertBadRequest(people, "{\"action\":\"explode\"}",
                "action must be one of start, pause, resume, cancel, rate; got 'explode'");
        assertBadRequest(people, "{}", "action is required");
        assertBadRequest(people, "{\"action\":\"pause\",\"job\":\"backup\"}",
                "job must be copy, verify, reverse-copy or reverse-verify, got 'backup'");
        assertBadRequest(people, "{\"action\":\"rate\",\"rate\":-1}",
                "rate must be 0 (no limit) or a positive number of documents per second, got -1");
        assertBadRequest(people, "{\"action\":\"rate\",\"rate\":\"fast\"}", "rate must be a number, got 'fast'");
        assertBadRequest(people, "{\"action\":\"rate\"}", "rate is required for action rate");
        assertBadRequest(people, "{\"action\":\"resume\"}", "Cannot resume the copy run " + handle.runId()
                + " of migration 'people-v2': it is running, not paused");
        assertBadRequest(people, "{\"action\":\"pause\",\"job\":\"verify\"}",
                "Cannot pause a verify run of migration 'people-v2': none is running or paused; start one first");
        assertBadRequest(people, "{\"action\":\"start\",\"job\":\"verify\",\"workers\":0}",
                "workers must be between 1 and 256, got 0");
        assertBadRequest(people, "{\"action\":\"start\"}", "This process already works on copy run "
                + handle.runId());

        assertThat(handle.run().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(handle.run().rate()).isEqualTo(0.5);
        assertThat(verifier.latest(TestMigrations.PEOPLE)).isEmpty();
        assertThat(database.getCollection("dualwrite_jobs").countDocuments(Filters.eq("kind", "verify"))).isZero();
    }

    // ------------------------------------------------------------------ helpers

    /** A copy run of this process that stays active for minutes: one batch of 10, then 20 s per batch. */
    private JobHandle slowCopy() {
        seedLegacy(1_000);
        JobHandle handle = copier.start(TestMigrations.PEOPLE, JobOptions.defaults().withBatchSize(10).withRate(0.5));
        handles.add(handle);
        return handle;
    }

    private MockHttpServletResponse control(MockHttpSession session, JsonNode token, String body, int status)
            throws Exception {
        MockHttpServletResponse response = perform(post(JOBS + "/" + TestMigrations.PEOPLE).session(session)
                .with(httpBasic("ops", "ops-pw")).header(token.get("headerName").asString(),
                        token.get("token").asString())
                .contentType(MediaType.APPLICATION_JSON).content(body));
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return response;
    }

    private void assertBadRequest(String path, String body, String message) throws Exception {
        MockHttpServletResponse response = perform(post(path).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content(body));
        assertThat(response.getStatus()).as(body + " -> " + response.getContentAsString()).isEqualTo(400);
        JsonNode json = json(response);
        assertThat(json.get("message").asString()).as(body).contains(message);
        assertThat(json.get("changed").asBoolean()).isFalse();
    }

    private MockHttpServletResponse perform(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response) throws Exception {
        return JSON.readTree(response.getContentAsString());
    }

    private void seedLegacy(int count) {
        collection("people_v1").insertMany(Fixtures.legacyPeople(count));
    }

    private MongoCollection<Document> collection(String name) {
        return database.getCollection(name);
    }
}
