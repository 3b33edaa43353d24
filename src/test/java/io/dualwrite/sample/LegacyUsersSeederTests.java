package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import tools.jackson.databind.JsonNode;

/** The legacy users written at startup, and reading them through the API while the phase is {@code OLD_ONLY}. */
@SpringBootTest(classes = CustomersApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "spring.mongodb.database=sample_seeded", "customers.seed.count=40",
                "spring.thymeleaf.check-template-location=false", "spring.main.banner-mode=off" })
@Import(SampleTestConfiguration.class)
class LegacyUsersSeederTests {

    @DynamicPropertySource
    static void mongo(DynamicPropertyRegistry registry) {
        registry.add("dualwrite.embedded.database", () -> "legacy_users_seeder_tests");
    }

    @LocalServerPort
    int port;

    @Autowired
    MongoTemplate mongo;

    @Autowired
    LegacyUsersSeeder seeder;

    Api api;

    @BeforeEach
    void oldOnly(@Autowired SampleTestConfiguration.TestPhaseSource phases) {
        api = new Api(port);
        phases.set(CustomerMigrationConfiguration.MIGRATION_ID, Phase.OLD_ONLY);
    }

    private MongoCollection<Document> users() {
        return mongo.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION);
    }

    private List<Document> seeded() {
        return users().find().sort(Sorts.ascending("_id")).into(new ArrayList<>());
    }

    @Test
    void startupSeedsTheConfiguredNumberOfRawLegacyUsers() {
        List<Document> users = seeded();

        assertThat(users).hasSize(40);
        assertThat(users.get(0).get("_id")).isEqualTo("u00001");
        assertThat(users.get(39).get("_id")).isEqualTo("u00040");
        assertThat(users).allSatisfy(user -> {
            assertThat(user).doesNotContainKey("version").doesNotContainKey("_class");
            assertThat(user.keySet()).isSubsetOf("_id", "name", "created_at", "email", "updated_at", "phone");
            assertThat(user.getString("created_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            if (user.containsKey("updated_at")) {
                assertThat(user.getString("updated_at")).isGreaterThan(user.getString("created_at"));
            }
        });
        assertThat(users).anyMatch(user -> user.containsKey("email")).anyMatch(user -> !user.containsKey("email"))
                .anyMatch(user -> user.containsKey("phone")).anyMatch(user -> !user.containsKey("phone"))
                .anyMatch(user -> user.containsKey("updated_at"));
        assertThat(users.stream().map(user -> user.getString("created_at").substring(0, 4)).distinct().count())
                .as("creation years").isGreaterThanOrEqualTo(3);
        assertThat(mongo.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).countDocuments()).isZero();
    }

    @Test
    void seededUsersAreReadableThroughTheApiInOldOnly() {
        JsonNode page = api.get("/api/customers?size=100").json();

        assertThat(page.path("totalElements").asLong()).isEqualTo(40);
        List<Document> users = seeded();
        LegacyUserMapping mapping = new LegacyUserMapping();
        for (int i = 0; i < users.size(); i++) {
            Document user = users.get(i);
            Customer expected = mapping.fromDocument(user);
            JsonNode listed = page.path("content").get(i);
            assertThat(listed.path("id").asString()).isEqualTo(user.getString("_id"));
            assertThat(listed.path("firstName").asString()).isEqualTo(expected.getFirstName());
            assertThat(listed.path("lastName").asString()).isEqualTo(expected.getLastName());
            assertThat((user.getString("name"))).startsWith(listed.path("firstName").asString());
            assertThat(Instant.parse(listed.path("createdAt").asString())).isEqualTo(expected.getCreatedAt());
            assertThat(listed.path("version").asLong()).isZero();
            assertThat(api.get("/api/customers/" + user.getString("_id")).json()).isEqualTo(listed);
        }
        Document withEmail = users.stream().filter(user -> user.containsKey("email")).findFirst().orElseThrow();
        JsonNode found = api.get("/api/customers/by-email?email=" + withEmail.getString("email")).json();
        assertThat(found.path("id").asString()).isEqualTo(withEmail.getString("_id"));
    }

    @Test
    void seedingAgainLeavesAFilledCollectionAlone() {
        assertThat(seeder.seed()).isZero();
        assertThat(users().countDocuments()).isEqualTo(40);
    }

    @Test
    void theSameSeedAndAnchorAlwaysGiveTheSameUsers() {
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z");

        List<Document> first = LegacyUsersSeeder.generate(50, 7, anchor);

        assertThat(LegacyUsersSeeder.generate(50, 7, anchor)).isEqualTo(first);
        assertThat(LegacyUsersSeeder.generate(50, 8, anchor)).isNotEqualTo(first);
        assertThat(first).allSatisfy(user -> assertThat(Instant.parse(user.getString("created_at")))
                .isBefore(anchor).isAfter(anchor.minusSeconds(5L * 366 * 24 * 3600)));
        assertThat(first).as("some legacy users have a single name")
                .anyMatch(user -> !user.getString("name").contains(" "));
    }

    @Test
    void aCountOfZeroDisablesSeedingAndAPositiveOneSeedsAnEmptyCollection(@Autowired MongoClient client) {
        // a database of its own, never written before in this JVM
        MongoTemplate empty = new MongoTemplate(client, "sample_seed_switch");
        CustomersProperties properties = new CustomersProperties();
        properties.getSeed().setCount(0);

        assertThat(new LegacyUsersSeeder(empty, properties, Clock.systemUTC()).seed()).isZero();
        assertThat(empty.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).countDocuments()).isZero();

        properties.getSeed().setCount(3);
        assertThat(new LegacyUsersSeeder(empty, properties, Clock.systemUTC()).seed()).isEqualTo(3);
        assertThat(empty.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).countDocuments()).isEqualTo(3);
    }

    @Test
    void twoInstancesSeedingAtOnceWriteEachUserOnce(@Autowired MongoClient client) {
        MongoTemplate empty = new MongoTemplate(client, "sample_seed_race");
        CustomersProperties properties = new CustomersProperties();
        properties.getSeed().setCount(5);
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z");
        // both instances found the collection empty; the first one has inserted its first two users already
        empty.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION)
                .insertMany(LegacyUsersSeeder.generate(2, properties.getSeed().getRandomSeed(), anchor));

        int inserted = new LegacyUsersSeeder(empty, properties, Clock.systemUTC())
                .insert(LegacyUsersSeeder.generate(5, properties.getSeed().getRandomSeed(), anchor));

        assertThat(inserted).isEqualTo(3);
        assertThat(empty.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION).countDocuments()).isEqualTo(5);
    }
}
