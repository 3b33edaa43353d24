package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import tools.jackson.databind.JsonNode;

/**
 * The customers API over a real port in each of the four phases, checking after every write what the raw
 * {@code users} (old shape) and {@code customers} (new shape) collections hold.
 */
@SpringBootTest(classes = CustomersApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "spring.mongodb.database=sample_api", "customers.seed.count=0",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
@Import(SampleTestConfiguration.class)
class CustomerApiTests {

    @DynamicPropertySource
    static void mongo(DynamicPropertyRegistry registry) {
        registry.add("dualwrite.embedded.database", () -> "customer_api_tests");
    }

    @LocalServerPort
    int port;

    @Autowired
    MongoTemplate mongo;

    @Autowired
    SampleTestConfiguration.TestPhaseSource phases;

    Api api;

    @BeforeEach
    void clean() {
        api = new Api(port);
        for (String name : mongo.getCollectionNames()) {
            mongo.getCollection(name).drop();
        }
    }

    // DESIGN.md's phase table, written out here independently of io.dualwrite.Phase.

    static boolean writesOld(Phase phase) {
        return switch (phase) {
            case OLD_ONLY, READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH -> true;
            case READ_NEW_WRITE_NEW -> false;
        };
    }

    static boolean writesNew(Phase phase) {
        return switch (phase) {
            case OLD_ONLY -> false;
            case READ_OLD_WRITE_BOTH, READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW -> true;
        };
    }

    static boolean readsOld(Phase phase) {
        return switch (phase) {
            case OLD_ONLY, READ_OLD_WRITE_BOTH -> true;
            case READ_NEW_WRITE_BOTH, READ_NEW_WRITE_NEW -> false;
        };
    }

    // ------------------------------------------------------------------ create and read

    @ParameterizedTest
    @EnumSource(Phase.class)
    void createsACustomerInEveryShapeThePhaseWritesAndReadsItBack(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);

        Api.Reply created = api.post("/api/customers",
                "{\"firstName\":\" Ada \",\"lastName\":\"Lovelace\",\"email\":\"ada@example.com\",\"phone\":\"+44 1\"}");

        assertThat(created.status()).isEqualTo(201);
        JsonNode body = created.json();
        String id = body.path("id").asString();
        assertThat(id).as("a string id, like the legacy users' (one _id type for the copier)").matches("c[0-9a-f]{24}");
        assertThat(created.headers().getLocation()).hasToString("http://localhost:" + port + "/api/customers/" + id);
        assertThat(body.path("firstName").asString()).isEqualTo("Ada");
        assertThat(body.path("lastName").asString()).isEqualTo("Lovelace");
        assertThat(body.path("email").asString()).isEqualTo("ada@example.com");
        assertThat(body.path("phone").asString()).isEqualTo("+44 1");
        assertThat(body.path("version").asLong() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(1);
        assertThat(body.path("updatedAt").isNull()).isTrue();
        Instant createdAt = Instant.parse(body.path("createdAt").asString());

        Api.Reply read = api.get("/api/customers/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).isEqualTo(body);

        Document old = raw(CustomerMigrationConfiguration.LEGACY_COLLECTION, id);
        if (writesOld(phase)) {
            assertThat(old).as("users document in %s", phase).isNotNull();
            assertThat(old.keySet()).containsExactlyInAnyOrder("_id", "name", "created_at", "email", "phone",
                    "version");
            assertThat(old.getString("name")).isEqualTo("Ada Lovelace");
            assertThat(old.getString("created_at")).isEqualTo(LegacyUserMapping.format(createdAt))
                    .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(old.getString("email")).isEqualTo("ada@example.com");
            assertThat(old.getString("phone")).isEqualTo("+44 1");
            assertThat(((Number) old.get("version")).longValue() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(1);
        }
        else {
            assertThat(old).as("users document in %s", phase).isNull();
        }
        Document neu = raw(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, id);
        if (writesNew(phase)) {
            assertThat(neu).as("customers document in %s", phase).isNotNull();
            java.util.List<String> expectedKeys = new java.util.ArrayList<>(java.util.List.of("_id", "firstName",
                    "lastName", "email", "contact", "createdAt", "version"));
            if (phase == Phase.READ_NEW_WRITE_NEW) {
                expectedKeys.add("_dwNewOnly"); // written while old is no longer maintained
            }
            assertThat(neu.keySet()).containsExactlyInAnyOrderElementsOf(expectedKeys);
            assertThat(neu.getString("firstName")).isEqualTo("Ada");
            assertThat(neu.getString("lastName")).isEqualTo("Lovelace");
            assertThat(neu.getString("email")).isEqualTo("ada@example.com");
            assertThat(neu.get("contact", Document.class)).isEqualTo(new Document("phone", "+44 1"));
            assertThat(neu.get("createdAt")).isEqualTo(Date.from(createdAt));
            assertThat(((Number) neu.get("version")).longValue() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(1);
        }
        else {
            assertThat(neu).as("customers document in %s", phase).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void legacyUsersAreReadWhileThePhaseReadsTheOldShape(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).insertOne(new Document("_id", "u00042")
                .append("name", "Guido van Rossum").append("created_at", "2019-05-01T10:00:00Z")
                .append("phone", "+31 20"));

        Api.Reply read = api.get("/api/customers/u00042");

        if (readsOld(phase)) {
            assertThat(read.status()).isEqualTo(200);
            JsonNode body = read.json();
            assertThat(body.path("firstName").asString()).isEqualTo("Guido");
            assertThat(body.path("lastName").asString()).isEqualTo("van Rossum");
            assertThat(body.path("phone").asString()).isEqualTo("+31 20");
            assertThat(body.path("email").isNull()).isTrue();
            assertThat(Instant.parse(body.path("createdAt").asString())).isEqualTo("2019-05-01T10:00:00Z");
            assertThat(body.path("version").asLong()).as("legacy data has no version: it counts as 0").isZero();

            Api.Reply updated = api.put("/api/customers/u00042",
                    "{\"firstName\":\"Guido\",\"lastName\":\"van Rossum\",\"email\":\"guido@example.org\",\"version\":0}");
            assertThat(updated.status()).isEqualTo(200);
            assertThat(updated.json().path("version").asLong() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(1);
            Document old = raw(CustomerMigrationConfiguration.LEGACY_COLLECTION, "u00042");
            assertThat(old.getString("created_at")).as("created_at is kept").isEqualTo("2019-05-01T10:00:00.000Z");
            assertThat(old.getString("email")).isEqualTo("guido@example.org");
            assertThat(old).doesNotContainKey("phone");
            assertThat(raw(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, "u00042") != null)
                    .as("customers holds u00042 in %s", phase).isEqualTo(writesNew(phase));
        }
        else {
            assertThat(read.status()).as("a phase reading the new shape does not see un-copied legacy data")
                    .isEqualTo(404);
        }
    }

    // ------------------------------------------------------------------ update

    @ParameterizedTest
    @EnumSource(Phase.class)
    void updatesWithTheVersionReadAndRefusesAStaleOneChangingNothing(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        JsonNode created = create("Ada", "Lovelace", "ada@example.com", "+44 1");
        String id = created.path("id").asString();

        Api.Reply updated = api.put("/api/customers/" + id, "{\"firstName\":\"Ada\",\"lastName\":\"King Lovelace\","
                + "\"email\":\"countess@example.com\",\"version\":" + created.path("version").asLong() + "}");

        assertThat(updated.status()).isEqualTo(200);
        JsonNode body = updated.json();
        assertThat(body.path("version").asLong() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(2);
        assertThat(body.path("lastName").asString()).isEqualTo("King Lovelace");
        assertThat(body.path("phone").isNull()).as("phone omitted: removed").isTrue();
        assertThat(body.path("createdAt")).isEqualTo(created.path("createdAt"));
        Instant updatedAt = Instant.parse(body.path("updatedAt").asString());
        assertThat(updatedAt).isAfter(Instant.parse(created.path("createdAt").asString()));
        assertThat(api.get("/api/customers/" + id).json()).isEqualTo(body);
        assertUpdatedShapes(phase, id, updatedAt);

        Api.Reply stale = api.put("/api/customers/" + id, "{\"firstName\":\"Ada\",\"lastName\":\"Byron\","
                + "\"email\":\"byron@example.com\",\"version\":" + created.path("version").asLong() + "}");

        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().path("problems").get(0).asString()).contains("changed by someone else");
        assertThat(stale.json().path("hint").asString()).contains("reload");
        assertThat(api.get("/api/customers/" + id).json()).isEqualTo(body);
        assertUpdatedShapes(phase, id, updatedAt);
    }

    private void assertUpdatedShapes(Phase phase, String id, Instant updatedAt) {
        Document old = raw(CustomerMigrationConfiguration.LEGACY_COLLECTION, id);
        if (writesOld(phase)) {
            assertThat(old.getString("name")).isEqualTo("Ada King Lovelace");
            assertThat(old.getString("email")).isEqualTo("countess@example.com");
            assertThat(old.getString("updated_at")).isEqualTo(LegacyUserMapping.format(updatedAt));
            assertThat(old).doesNotContainKey("phone");
            assertThat(((Number) old.get("version")).longValue() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(2);
        }
        else {
            assertThat(old).isNull();
        }
        Document neu = raw(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, id);
        if (writesNew(phase)) {
            assertThat(neu.getString("lastName")).isEqualTo("King Lovelace");
            assertThat(neu.getString("email")).isEqualTo("countess@example.com");
            assertThat(neu.get("updatedAt")).isEqualTo(Date.from(updatedAt));
            assertThat(neu).doesNotContainKey("contact");
            assertThat(((Number) neu.get("version")).longValue() >>> io.dualwrite.internal.Versions.RANDOM_BITS).as("write count").isEqualTo(2);
        }
        else {
            assertThat(neu).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void updatingOrDeletingAnUnknownCustomerIsNotFound(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);

        assertThat(api.get("/api/customers/nobody").status()).isEqualTo(404);
        assertThat(api.put("/api/customers/nobody", "{\"firstName\":\"A\",\"lastName\":\"B\",\"version\":1}").status())
                .isEqualTo(404);
        assertThat(api.delete("/api/customers/nobody").status()).isEqualTo(404);
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).countDocuments()).isZero();
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).countDocuments()).isZero();
    }

    // ------------------------------------------------------------------ delete

    @ParameterizedTest
    @EnumSource(Phase.class)
    void deletesACustomerFromEveryShapeThePhaseWrites(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        String id = create("Ada", "Lovelace", "ada@example.com", null).path("id").asString();
        String keep = create("Alan", "Turing", "alan@example.com", null).path("id").asString();

        assertThat(api.delete("/api/customers/" + id).status()).isEqualTo(204);

        assertThat(api.get("/api/customers/" + id).status()).isEqualTo(404);
        assertThat(api.delete("/api/customers/" + id).status()).isEqualTo(404);
        assertThat(api.get("/api/customers/by-email?email=ada@example.com").status()).isEqualTo(404);
        JsonNode page = api.get("/api/customers").json();
        assertThat(page.path("totalElements").asLong()).isEqualTo(1);
        assertThat(page.path("content").get(0).path("id").asString()).isEqualTo(keep);
        for (String collection : List.of(CustomerMigrationConfiguration.LEGACY_COLLECTION,
                CustomerMigrationConfiguration.CUSTOMERS_COLLECTION)) {
            Document left = raw(collection, id);
            // a write-both phase leaves a tombstone (id, version, deleted marker) so a copier cannot resurrect it
            assertThat(left == null || (Boolean.TRUE.equals(left.get("_dwDeleted")) && !left.containsKey("name")
                    && !left.containsKey("firstName"))).as("%s holds no live %s in %s", collection, id, phase).isTrue();
        }
        boolean oldWritten = writesOld(phase);
        boolean newWritten = writesNew(phase);
        assertThat(raw(CustomerMigrationConfiguration.LEGACY_COLLECTION, keep) != null).isEqualTo(oldWritten);
        assertThat(raw(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION, keep) != null).isEqualTo(newWritten);
    }

    // ------------------------------------------------------------------ list and find

    @ParameterizedTest
    @EnumSource(Phase.class)
    void listsCustomersPageByPageInTheRequestedOrder(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        List<String> ids = List.of(create("A", "One", null, null), create("B", "Two", null, null),
                create("C", "Three", null, null), create("D", "Four", null, null), create("E", "Five", null, null))
                .stream().map(node -> node.path("id").asString()).toList();

        JsonNode page = api.get("/api/customers?page=1&size=2&sort=createdAt,desc").json();

        assertThat(page.path("page").asInt()).isEqualTo(1);
        assertThat(page.path("size").asInt()).isEqualTo(2);
        assertThat(page.path("totalElements").asLong()).isEqualTo(5);
        assertThat(page.path("totalPages").asInt()).isEqualTo(3);
        assertThat(page.path("content").valueStream().map(node -> node.path("id").asString()))
                .containsExactly(ids.get(2), ids.get(1));
        JsonNode last = api.get("/api/customers?page=2&size=2&sort=createdAt,asc").json();
        assertThat(last.path("content").valueStream().map(node -> node.path("firstName").asString()))
                .containsExactly("E");
        JsonNode all = api.get("/api/customers").json();
        assertThat(all.path("content").valueStream().map(node -> node.path("id").asString()))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(all.path("size").asInt()).isEqualTo(20);
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void findsACustomerByEmail(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        create("Ada", "Lovelace", "ada@example.com", null);
        String alan = create("Alan", "Turing", "alan@example.com", "+44 2").path("id").asString();

        Api.Reply found = api.get("/api/customers/by-email?email=alan@example.com");

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().path("id").asString()).isEqualTo(alan);
        assertThat(found.json().path("phone").asString()).isEqualTo("+44 2");
        assertThat(api.get("/api/customers/by-email?email=grace@example.com").status()).isEqualTo(404);
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void refusesAnEmailAlreadyUsedByAnotherCustomer(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);
        String ada = create("Ada", "Lovelace", "ada@example.com", null).path("id").asString();

        Api.Reply duplicate = api.post("/api/customers", "{\"firstName\":\"Other\",\"lastName\":\"Ada\","
                + "\"email\":\"ada@example.com\"}");

        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.json().path("problems").get(0).asString()).contains("ada@example.com").contains(ada);
        assertThat(api.get("/api/customers").json().path("totalElements").asLong()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void reportsThePhaseThisInstanceActsOn(Phase phase) {
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, phase);

        JsonNode status = api.get("/api/migration").json();

        assertThat(status.path("migration").asString()).isEqualTo("customers-v2");
        assertThat(status.path("phase").asString()).isEqualTo(phase.name());
    }

    // ------------------------------------------------------------------ helpers

    private JsonNode create(String first, String last, String email, String phone) {
        StringBuilder json = new StringBuilder("{\"firstName\":\"" + first + "\",\"lastName\":\"" + last + "\"");
        if (email != null) {
            json.append(",\"email\":\"").append(email).append('"');
        }
        if (phone != null) {
            json.append(",\"phone\":\"").append(phone).append('"');
        }
        Api.Reply reply = api.post("/api/customers", json.append('}').toString());
        assertThat(reply.status()).as(reply.text()).isEqualTo(201);
        return reply.json();
    }

    private Document raw(String collection, String id) {
        return mongo.getCollection(collection).find(Filters.eq("_id", id)).first();
    }
}
