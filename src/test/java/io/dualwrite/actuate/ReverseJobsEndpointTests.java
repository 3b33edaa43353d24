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
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.context.WebApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobHandle;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobStatus;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;
import io.dualwrite.fixtures.TestMigrations;
import io.dualwrite.support.AdminUsers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code dualwritejobs} endpoint with {@code job=reverse-copy} and {@code job=reverse-verify}: the reverse runs
 * in the listing and the details, their control, and bad input answered with 400 and nothing changed.
 */
@SpringBootTest(classes = { FixtureApplication.class, AdminUsers.class },
        webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = { "dualwrite.embedded.database=reverse_jobs_endpoint_tests", "dualwrite.toggles.environment=none",
                "dualwrite.toggles.poll-in-background=false", "dualwrite.copier.poll-interval=20ms",
                "management.endpoints.web.exposure.include=health,dualwritejobs",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
class ReverseJobsEndpointTests {

    private static final String PEOPLE = "/actuator/dualwritejobs/" + TestMigrations.PEOPLE;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    WebApplicationContext context;

    @Autowired
    ReverseCopier reverseCopier;

    @Autowired
    ReverseVerifier reverseVerifier;

    @Autowired
    SettablePhaseSource phases;

    MockMvc mvc;

    final List<JobHandle> handles = new ArrayList<>();

    @BeforeEach
    void setUp() throws InterruptedException {
        mvc = AdminUsers.mockMvc(context);
        Fixtures.clear((ConfigurableApplicationContext) context);
        phases.setAll(Phase.READ_OLD_WRITE_BOTH);
        collection("people_v1").insertMany(Fixtures.legacyPeople(30));
        context.getBean(Copier.class).run(TestMigrations.PEOPLE, JobOptions.defaults());
        phases.setAll(Phase.READ_NEW_WRITE_NEW);
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (JobHandle handle : handles) {
            handle.stop();
            handle.await(Duration.ofSeconds(20));
        }
    }

    @Test
    void startsAndShowsReverseRuns() throws Exception {
        collection("people_v2").updateOne(Filters.eq("_id", "p00003"), new Document("$set",
                new Document("age", "three")));

        JsonNode started = control("{\"action\":\"start\",\"job\":\"reverse-copy\",\"workers\":2}", 200);
        assertThat(started.get("job").asString()).isEqualTo("reverse-copy");
        assertThat(started.get("message").asString()).startsWith("Working on reverse-copy run ");
        awaitIdle();
        control("{\"action\":\"start\",\"job\":\"REVERSE-VERIFY\"}", 200);
        awaitIdle();

        JsonNode all = json(perform(get("/actuator/dualwritejobs")));
        JsonNode people = all.get("migrations").get(0);
        JsonNode copy = people.get("reverseCopy").get("latestFinished");
        assertThat(copy.get("kind").asString()).isEqualTo("reverse-copy");
        assertThat(copy.get("allWritingBothAtStart").asBoolean()).isFalse();
        assertThat(copy.get("handedEverythingBack").asBoolean()).isFalse();
        assertThat(copy.get("counts").get("deadLettered").asLong()).isEqualTo(1);
        assertThat(people.get("reverseDeadLetterCount").asLong()).isEqualTo(1);
        assertThat(people.get("deadLetterCount").asLong()).as("the copy's own").isZero();
        JsonNode verification = people.get("reverseVerify").get("latestFinished");
        assertThat(verification.get("clean").asBoolean()).as("p00003 is unconvertible").isFalse();
        assertThat(verification.get("counts").get("unconvertible").asLong()).isEqualTo(1);
        assertThat(people.get("copy").get("latestFinished").get("kind").asString()).isEqualTo("copy");

        JsonNode details = json(perform(get(PEOPLE)));
        assertThat(details.get("reverseDeadLetters")).hasSize(1);
        assertThat(details.get("reverseDeadLetters").get(0).get("documentId").asString()).isEqualTo("p00003");
        assertThat(details.get("reverseVerify").get("latestFinished").get("examples")).isNotEmpty();
    }

    @Test
    void pausesResumesRatesAndCancelsTheActiveReverseCopy() throws Exception {
        JobHandle handle = reverseCopier.start(TestMigrations.PEOPLE,
                JobOptions.defaults().withBatchSize(5).withRate(0.5));
        handles.add(handle);

        JsonNode paused = control("{\"action\":\"pause\",\"job\":\"reverse-copy\"}", 200);
        assertThat(paused.get("message").asString()).isEqualTo("Paused reverse-copy run " + handle.runId());
        assertThat(handle.run().status()).isEqualTo(JobStatus.PAUSED);
        control("{\"action\":\"resume\",\"job\":\"reverse-copy\"}", 200);
        assertThat(control("{\"action\":\"rate\",\"job\":\"reverse-copy\",\"rate\":2}", 200).get("run").get("rate")
                .asDouble()).isEqualTo(2.0);
        control("{\"action\":\"cancel\",\"job\":\"reverse-copy\"}", 200);
        assertThat(handle.run().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(context.getBean(Copier.class).active(TestMigrations.PEOPLE)).as("the forward copy is apart")
                .isEmpty();
    }

    @Test
    void badInputIsABadRequestAndChangesNothing() throws Exception {
        long runs = collection("dualwrite_jobs").countDocuments();

        assertBadRequest("{\"action\":\"start\",\"job\":\"reverse\"}",
                "job must be copy, verify, reverse-copy or reverse-verify, got 'reverse'");
        assertBadRequest("{\"action\":\"pause\",\"job\":\"reverse-copy\"}",
                "Cannot pause a reverse-copy run of migration 'people-v2': none is running or paused; start one first");
        assertBadRequest("{\"action\":\"cancel\",\"job\":\"reverse-verify\"}",
                "Cannot cancel a reverse-verify run of migration 'people-v2': none is running or paused");
        assertBadRequest("{\"action\":\"start\",\"job\":\"reverse-copy\",\"workers\":999}",
                "workers must be between 1 and 256, got 999");
        assertBadRequest("{\"action\":\"start\",\"job\":\"reverse-copy\",\"rate\":\"-2\"}",
                "rate must be 0 (no limit) or a positive number of documents per second, got -2");
        assertBadRequest("{\"action\":\"rate\",\"job\":\"reverse-verify\"}", "rate is required for action rate");
        MockHttpServletResponse unknown = perform(post("/actuator/dualwritejobs/nope").with(httpBasic("ops", "ops-pw"))
                .with(csrf()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"action\":\"start\",\"job\":\"reverse-copy\"}"));
        assertThat(unknown.getStatus()).isEqualTo(400);
        assertThat(json(unknown).get("message").asString()).contains("No migration 'nope' is declared");

        assertThat(collection("dualwrite_jobs").countDocuments()).as("nothing changed").isEqualTo(runs);
        assertThat(reverseCopier.latest(TestMigrations.PEOPLE)).isEmpty();
        assertThat(reverseVerifier.latest(TestMigrations.PEOPLE)).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((reverseCopier.active(TestMigrations.PEOPLE).isPresent()
                || reverseVerifier.active(TestMigrations.PEOPLE).isPresent()) && System.nanoTime() < deadline) {
            Thread.sleep(20); // the endpoint's workers run in this process; wait for them to finish the run
        }
        assertThat(reverseCopier.active(TestMigrations.PEOPLE)).isEmpty();
        assertThat(reverseVerifier.active(TestMigrations.PEOPLE)).isEmpty();
    }

    private JsonNode control(String body, int status) throws Exception {
        MockHttpServletResponse response = perform(post(PEOPLE).with(httpBasic("ops", "ops-pw")).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content(body));
        assertThat(response.getStatus()).as(body + " -> " + response.getContentAsString()).isEqualTo(status);
        return json(response);
    }

    private void assertBadRequest(String body, String message) throws Exception {
        JsonNode json = control(body, 400);
        assertThat(json.get("message").asString()).as(body).contains(message);
        assertThat(json.get("changed").asBoolean()).isFalse();
    }

    private MockHttpServletResponse perform(
            org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.with(httpBasic("ops", "ops-pw"))).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response) throws Exception {
        return JSON.readTree(response.getContentAsString());
    }

    private MongoCollection<Document> collection(String name) {
        return Fixtures.database((ConfigurableApplicationContext) context).getCollection(name);
    }

}
