package io.dualwrite.sample;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;

/**
 * Fills an empty legacy {@code users} collection at startup with deterministic demo data, as the old system would
 * have written it: raw documents in the legacy shape, without a version field. Written with the driver directly, not
 * through the phased repository, because this is data from before the migration.
 * <p>
 * Every instance writes the same ids ({@code u00001}, {@code u00002}, ...) and contents, so two replicas starting at
 * once cannot create duplicates: the second one's inserts are refused as duplicate keys and ignored.
 */
@Component
public class LegacyUsersSeeder implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(LegacyUsersSeeder.class);

    private static final String[] FIRST_NAMES = { "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret",
            "Ken", "Frances", "John", "Radia", "Linus", "Katherine", "Dennis", "Hedy", "Niklaus", "Sophie", "Tim" };

    private static final String[] LAST_NAMES = { "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth",
            "Hamilton", "Thompson", "Allen", "McCarthy", "Perlman", "Torvalds", "Johnson", "Ritchie", "Lamarr", "Wirth",
            "Wilson", "Berners-Lee", "van Rossum", "de Morgan" };

    private static final int BATCH = 1000;

    private final MongoTemplate mongoTemplate;

    private final CustomersProperties properties;

    private final Clock clock;

    /** Creates the seeder. */
    public LegacyUsersSeeder(MongoTemplate mongoTemplate, CustomersProperties properties, Clock clock) {
        this.mongoTemplate = mongoTemplate;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public void run(ApplicationArguments args) {
        seed();
    }

    /**
     * Inserts {@code customers.seed.count} legacy users if the users collection is empty.
     *
     * @return how many documents this call inserted
     */
    public int seed() {
        int count = properties.getSeed().getCount();
        if (count < 0) {
            throw new IllegalStateException("customers.seed.count is " + count + "; set 0 to disable seeding or a "
                    + "positive number of legacy users to insert");
        }
        if (count == 0) {
            return 0;
        }
        MongoCollection<Document> users = mongoTemplate.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION);
        if (users.countDocuments() > 0) {
            log.info("Legacy collection '{}' already holds data: not seeding", CustomerMigrationConfiguration.LEGACY_COLLECTION);
            return 0;
        }
        List<Document> documents = generate(count, properties.getSeed().getRandomSeed(),
                clock.instant().truncatedTo(ChronoUnit.DAYS));
        int inserted = insert(documents);
        log.info("Seeded {} legacy users into '{}'", inserted, CustomerMigrationConfiguration.LEGACY_COLLECTION);
        return inserted;
    }

    /**
     * Inserts the documents, ignoring those whose id is already taken (another instance seeding at the same moment
     * writes the same ids and contents).
     *
     * @return how many documents were inserted here
     */
    int insert(List<Document> documents) {
        MongoCollection<Document> users = mongoTemplate.getCollection(CustomerMigrationConfiguration.LEGACY_COLLECTION);
        int inserted = 0;
        for (int from = 0; from < documents.size(); from += BATCH) {
            List<Document> batch = documents.subList(from, Math.min(documents.size(), from + BATCH));
            try {
                users.insertMany(batch, new InsertManyOptions().ordered(false));
                inserted += batch.size();
            }
            catch (MongoBulkWriteException ex) {
                boolean onlyDuplicates = ex.getWriteErrors().stream()
                        .allMatch(error -> error.getCategory() == ErrorCategory.DUPLICATE_KEY);
                if (!onlyDuplicates || ex.getWriteConcernError() != null) {
                    throw ex;
                }
                // every document that was not refused as a duplicate was inserted
                int written = batch.size() - ex.getWriteErrors().size();
                inserted += written;
                log.info("Another instance is seeding '{}' at the same time; kept its documents ({} of {} inserted "
                        + "here)", CustomerMigrationConfiguration.LEGACY_COLLECTION, written, batch.size());
            }
        }
        return inserted;
    }

    /**
     * The legacy documents for a count, a random seed and an anchor date: the same arguments always give the same
     * documents. Created dates lie within five years before the anchor.
     */
    static List<Document> generate(int count, long randomSeed, Instant anchor) {
        Random random = new Random(randomSeed);
        List<Document> documents = new ArrayList<>(count);
        long fiveYears = Duration.ofDays(5 * 365).toMillis();
        for (int i = 1; i <= count; i++) {
            String id = String.format(Locale.ROOT, "u%05d", i);
            String first = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
            // about one in fifteen legacy users had a single name
            String name = random.nextInt(15) == 0 ? first : first + " " + LAST_NAMES[random.nextInt(LAST_NAMES.length)];
            Instant created = anchor.minusMillis(1 + (long) (random.nextDouble() * fiveYears));
            Document document = new Document("_id", id).append("name", name)
                    .append("created_at", LegacyUserMapping.format(created));
            if (random.nextInt(10) < 7) {
                document.append("email", first.toLowerCase(Locale.ROOT) + "." + id + "@example.com");
            }
            if (random.nextInt(10) < 4) {
                long sinceCreated = anchor.toEpochMilli() - created.toEpochMilli();
                Instant updated = created.plusMillis(1 + (long) (random.nextDouble() * (sinceCreated - 1)));
                document.append("updated_at", LegacyUserMapping.format(updated));
            }
            if (random.nextBoolean()) {
                document.append("phone", String.format(Locale.ROOT, "+1 555 %03d %04d", random.nextInt(1000),
                        random.nextInt(10000)));
            }
            documents.add(document);
        }
        return documents;
    }
}
