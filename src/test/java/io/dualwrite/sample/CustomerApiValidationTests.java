package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.dualwrite.Phase;
import tools.jackson.databind.JsonNode;

/**
 * Bad input gets a 400 that says what was wrong and what to send, and writes nothing; the sample's security lets the
 * API and the health probe through without a login and keeps the rest closed.
 */
@SpringBootTest(classes = CustomersApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "spring.mongodb.database=sample_validation", "customers.seed.count=0",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off",
                "management.endpoints.web.exposure.include=health,info" })
@Import(SampleTestConfiguration.class)
class CustomerApiValidationTests {

    @DynamicPropertySource
    static void mongo(DynamicPropertyRegistry registry) {
        registry.add("dualwrite.embedded.database", () -> "customer_api_validation_tests");
    }

    @LocalServerPort
    int port;

    @Autowired
    MongoTemplate mongo;

    @Autowired
    ApplicationContext context;

    Api api;

    @BeforeEach
    void clean(@Autowired SampleTestConfiguration.TestPhaseSource phases) {
        api = new Api(port);
        for (String name : mongo.getCollectionNames()) {
            mongo.getCollection(name).drop();
        }
        // a phase that writes both shapes, so "nothing written" covers both collections
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, Phase.READ_OLD_WRITE_BOTH);
    }

    static Stream<Arguments> badCreates() {
        return Stream.of(
                Arguments.of("{\"lastName\":\"Lovelace\"}", "firstName is required"),
                Arguments.of("{\"firstName\":\"  \",\"lastName\":\"Lovelace\"}", "firstName is required"),
                Arguments.of("{\"firstName\":\"Ada\"}", "lastName is required"),
                Arguments.of("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"ada-at-example\"}",
                        "email 'ada-at-example' is not a valid email address"),
                Arguments.of("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"ada@example\"}",
                        "email 'ada@example' is not a valid email address"),
                Arguments.of("{\"firstName\":\"Mary Ann\",\"lastName\":\"Evans\"}",
                        "firstName 'Mary Ann' contains a space"),
                Arguments.of("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"phone\":\"call me\"}",
                        "phone 'call me' is not a phone number"),
                Arguments.of("{\"firstName\":\"Ada\",\"lastName\":", "not a valid customer JSON object"),
                Arguments.of("[1, 2]", "not a valid customer JSON object"),
                Arguments.of("{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"phone\":{\"n\":1}}",
                        "not a valid customer JSON object"));
    }

    @ParameterizedTest
    @MethodSource("badCreates")
    void refusesABadCreateWithTheReasonAndWritesNothing(String body, String problem) {
        Api.Reply reply = api.post("/api/customers", body);

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        JsonNode error = reply.json();
        assertThat(error.path("status").asInt()).isEqualTo(400);
        assertThat(error.path("problems").valueStream().map(JsonNode::asString)).anyMatch(p -> p.contains(problem));
        assertThat(error.path("hint").asString()).contains("\"firstName\": \"Ada\"").contains("application/json");
        assertNothingStored();
    }

    @Test
    void listsEveryProblemOfARequestAtOnce() {
        Api.Reply reply = api.post("/api/customers", "{\"email\":\"nope\"}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().path("problems").valueStream().map(JsonNode::asString)).containsExactly(
                "firstName is required", "lastName is required",
                "email 'nope' is not a valid email address (name@domain.tld)");
        assertNothingStored();
    }

    @Test
    void refusesAnEmptyBodyAndANonJsonBody() {
        Api.Reply empty = api.post("/api/customers", "");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().path("hint").asString()).contains("firstName");

        Api.Reply text = api.call(HttpMethod.POST, "/api/customers", "firstName=Ada&lastName=Lovelace",
                MediaType.APPLICATION_FORM_URLENCODED);
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.json().path("hint").asString()).contains("Content-Type: application/json");
        assertNothingStored();
    }

    @Test
    void refusesAnUpdateWithoutVersionOrWithBadFieldsAndChangesNothing() {
        Api.Reply created = api.post("/api/customers", "{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}");
        String id = created.json().path("id").asString();
        Document before = mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).find().first();

        Api.Reply noVersion = api.put("/api/customers/" + id, "{\"firstName\":\"Ada\",\"lastName\":\"Byron\"}");
        Api.Reply negative = api.put("/api/customers/" + id,
                "{\"firstName\":\"Ada\",\"lastName\":\"Byron\",\"version\":-1}");
        Api.Reply badEmail = api.put("/api/customers/" + id,
                "{\"firstName\":\"Ada\",\"lastName\":\"Byron\",\"email\":\"x@\",\"version\":1}");
        Api.Reply textVersion = api.put("/api/customers/" + id,
                "{\"firstName\":\"Ada\",\"lastName\":\"Byron\",\"version\":\"one\"}");

        assertThat(noVersion.status()).isEqualTo(400);
        assertThat(noVersion.json().path("problems").get(0).asString()).startsWith("version is required");
        assertThat(noVersion.json().path("hint").asString()).contains("\"version\": 1");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(badEmail.status()).isEqualTo(400);
        assertThat(textVersion.status()).isEqualTo(400);
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).find().first())
                .isEqualTo(before);
        assertThat(api.get("/api/customers/" + id).json()).isEqualTo(created.json());
    }

    static Stream<Arguments> badPages() {
        return Stream.of(
                Arguments.of("size=0", "size is 0; it must be between 1 and 100"),
                Arguments.of("size=101", "size is 101; it must be between 1 and 100"),
                Arguments.of("page=-1", "page is -1; pages are numbered from 0"),
                Arguments.of("page=abc", "parameter 'page' is 'abc', not a whole number"),
                Arguments.of("sort=firstName", "sort property 'firstName' is not sortable"),
                Arguments.of("sort=createdAt,sideways", "sort direction 'sideways' is neither asc nor desc"));
    }

    @ParameterizedTest
    @MethodSource("badPages")
    void refusesABadPageRequestSayingWhatToSend(String query, String problem) {
        Api.Reply reply = api.get("/api/customers?" + query);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().path("problems").get(0).asString()).contains(problem);
        assertThat(reply.json().path("hint").asString()).contains("page=0&size=20");
    }

    @Test
    void refusesAFindByEmailWithoutOrWithAMalformedAddress() {
        Api.Reply missing = api.get("/api/customers/by-email");
        Api.Reply malformed = api.get("/api/customers/by-email?email=nobody");

        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().path("problems").get(0).asString()).isEqualTo("parameter 'email' is required");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().path("hint").asString()).contains("by-email?email=");
    }

    // ------------------------------------------------------------------ security

    @Test
    void theApiAndTheHealthProbeNeedNoLoginAndNoCsrfToken() {
        // the POSTs of every other test carry neither credentials nor a CSRF token; check it once explicitly
        assertThat(api.post("/api/customers", "{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}").status())
                .isEqualTo(201);
        assertThat(api.get("/actuator/health").status()).isEqualTo(200);
        assertThat(api.get("/actuator/health").json().path("status").asString()).isEqualTo("UP");
    }

    @Test
    void everythingElseNeedsALogin() {
        assertThat(api.get("/actuator/env").status()).isIn(401, 403);
        assertThat(api.get("/anything-else").status()).isIn(401, 403);
    }

    @Test
    void bootDoesNotCreateAUserWithAGeneratedPassword() {
        assertThat(context.containsBean("inMemoryUserDetailsManager")).isFalse();
        assertThat(context.getBeanNamesForType(org.springframework.security.web.SecurityFilterChain.class))
                .contains("customersApiSecurity");
    }

    private void assertNothingStored() {
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).countDocuments()).isZero();
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).countDocuments()).isZero();
    }
}
