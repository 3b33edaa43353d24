package io.dualwrite.embedded;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.mongodb.MongoException;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IdIndexedMemoryBackend} against mongo-java-server's stock {@link MemoryBackend}, side by side through the
 * real driver: the same data and the same operations must give the same answers and leave the same data, while
 * {@code _id}-pinned filters examine only the pinned documents.
 */
class IdIndexedMemoryBackendTests {

    private static final ObjectId OBJECT_ID = new ObjectId("65a1b2c3d4e5f60718293a4b");

    private static final Document EMBEDDED_ID = new Document("tenant", "t1").append("n", 7);

    private static final Date DATE_ID = Date.from(Instant.parse("2026-01-02T03:04:05Z"));

    /** Documents the instrumented backend's matcher was asked about, per collection. */
    private final AtomicInteger examined = new AtomicInteger();

    private MongoServer stockServer;

    private MongoServer indexedServer;

    private MongoClient stockClient;

    private MongoClient indexedClient;

    private MongoCollection<Document> stock;

    private MongoCollection<Document> indexed;

    @BeforeEach
    void startServers() {
        stockServer = EmbeddedMongoServer.startStandalone(new MemoryBackend());
        indexedServer = EmbeddedMongoServer.startStandalone(new CountingBackend(examined));
        stockClient = MongoClients.create(connectionString(stockServer));
        indexedClient = MongoClients.create(connectionString(indexedServer));
        stock = stockClient.getDatabase("test").getCollection("items");
        indexed = indexedClient.getDatabase("test").getCollection("items");
        List<Document> documents = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            Document document = new Document("_id", i).append("name", "n" + i).append("tags", List.of("t" + (i % 3)));
            if (i % 4 != 0) {
                document.append("version", (long) i % 7);
            }
            if (i % 5 == 0) {
                document.append("nested", new Document("a", i).append("b", null));
            }
            documents.add(document);
        }
        documents.add(new Document("_id", 1_000_000_000_000L).append("version", 3L).append("name", "long"));
        documents.add(new Document("_id", 2.5).append("version", 1L).append("name", "double"));
        documents.add(new Document("_id", "a").append("version", 2L).append("name", "string a"));
        documents.add(new Document("_id", "b").append("name", "string b, no version"));
        documents.add(new Document("_id", OBJECT_ID).append("version", 9L).append("name", "object id"));
        documents.add(new Document("_id", EMBEDDED_ID).append("version", 4L).append("name", "embedded"));
        documents.add(new Document("_id", DATE_ID).append("version", 5L).append("name", "date"));
        stock.insertMany(documents);
        indexed.insertMany(documents);
        // free and reuse storage positions, so natural order differs from insertion and _id order
        for (MongoCollection<Document> collection : List.of(stock, indexed)) {
            collection.deleteMany(Filters.in("_id", 2, 3));
            collection.insertOne(new Document("_id", 100).append("version", 1L).append("name", "reused slot"));
            collection.insertOne(new Document("_id", 0).append("version", 1L).append("name", "reused slot too"));
        }
    }

    @AfterEach
    void stopServers() {
        stockClient.close();
        indexedClient.close();
        stockServer.shutdownNow();
        indexedServer.shutdownNow();
    }

    @Test
    void findsExactlyWhatTheStockBackendFinds() {
        List<Bson> filters = List.of(
                Filters.and(Filters.eq("_id", 7), Filters.lt("version", 5L)),
                Filters.and(Filters.eq("_id", 7), Filters.lt("version", 6L)),
                Filters.and(Filters.eq("_id", 7L), Filters.eq("version", 0L)),
                Filters.and(Filters.eq("_id", 7.0), Filters.eq("version", 0L)),
                Filters.and(Filters.eq("_id", 8), Filters.exists("version", false)),
                Filters.and(Filters.eq("_id", 8), Filters.eq("version", null)),
                Filters.and(Filters.eq("_id", 8), Filters.exists("version")),
                Filters.and(Filters.eq("_id", 10), Filters.eq("nested.b", null)),
                Filters.and(Filters.eq("_id", 10), Filters.eq("nested.c", null)),
                Filters.and(Filters.eq("_id", 9), Filters.or(Filters.eq("version", 99L), Filters.eq("name", "n9"))),
                Filters.and(Filters.eq("_id", 9), Filters.or(Filters.eq("version", 99L), Filters.eq("name", "x"))),
                Filters.and(Filters.eq("_id", 6), Filters.eq("tags", "t0")),
                Filters.and(Filters.eq("_id", 1_000_000_000_000L), Filters.gte("version", 3L)),
                Filters.and(Filters.eq("_id", 2.5), Filters.eq("version", 1L)),
                Filters.and(Filters.eq("_id", "a"), Filters.eq("version", 2L)),
                Filters.and(Filters.eq("_id", "b"), Filters.exists("version", false)),
                Filters.and(Filters.eq("_id", OBJECT_ID), Filters.eq("version", 9L)),
                Filters.and(Filters.eq("_id", new Document("tenant", "t1").append("n", 7)), Filters.eq("version", 4L)),
                Filters.and(Filters.eq("_id", new Document("n", 7).append("tenant", "t1")), Filters.eq("version", 4L)),
                Filters.and(Filters.eq("_id", DATE_ID), Filters.lt("version", 6L)),
                Filters.and(Filters.eq("_id", 100), Filters.eq("name", "reused slot")),
                Filters.and(Filters.eq("_id", 2), Filters.exists("name")),
                Filters.and(Filters.eq("_id", "missing"), Filters.exists("name")),
                Filters.and(Filters.eq("_id", 11), Filters.eq("version", 12345L)),
                Filters.and(Filters.in("_id", 1, 4, 100, 0, "a", 999, OBJECT_ID), Filters.exists("version")),
                Filters.and(Filters.in("_id", 100, 1, 0, 5, 7), Filters.lt("version", 6L)),
                Filters.and(Filters.in("_id", List.of()), Filters.exists("name")),
                Filters.and(Filters.in("_id", 5, 5L, 5.0), Filters.exists("name")),
                Filters.and(Filters.gt("_id", 30), Filters.lt("version", 3L)),
                Filters.and(Filters.regex("_id", Pattern.compile("^a")), Filters.exists("name")),
                Filters.and(Filters.eq("_id", null), Filters.exists("name")),
                Filters.and(Filters.eq("_id", 12), Filters.and(Filters.eq("name", "n12"), Filters.ne("version", 1L))),
                Filters.and(Filters.eq("_id", 13), Filters.not(Filters.eq("version", 6L))),
                // the flat form Spring Data renders: {_id: x, other: ...}
                new Document("_id", 7).append("version", new Document("$lt", 5L)),
                new Document("_id", 7).append("version", new Document("$lt", 6L)),
                new Document("_id", 7L).append("version", 0L),
                new Document("_id", 8).append("version", null),
                new Document("_id", 8).append("version", new Document("$exists", false)),
                new Document("_id", 9).append("$or", List.of(new Document("version", 99L), new Document("name", "n9"))),
                new Document("_id", "a").append("version", 2L),
                new Document("_id", "zzz").append("version", 2L),
                new Document("_id", OBJECT_ID).append("version", new Document("$gte", 9L)),
                new Document("_id", EMBEDDED_ID).append("version", 4L),
                new Document("_id", DATE_ID).append("version", 5L),
                new Document("_id", new Document("$in", List.of(1, 4, 100, 0, "a", 999))).append("name",
                        new Document("$exists", true)),
                new Document("_id", new Document("$in", List.of(5, 6))).append("$and",
                        List.of(new Document("_id", 5), new Document("name", "n5"))),
                new Document("_id", new Document("$gte", 5)).append("version", 1L),
                new Document("name", "n7").append("$and", List.of(new Document("_id", 7))),
                new Document("$and", List.of(new Document("$and", List.of(new Document("_id", 7))),
                        new Document("version", 0L))),
                new Document("$or", List.of(new Document("_id", 7), new Document("_id", 8))).append("name", "n8"));
        int nonEmpty = 0;
        for (Bson filter : filters) {
            List<Document> expected = stock.find(filter).into(new ArrayList<>());
            assertThat(indexed.find(filter).into(new ArrayList<>())).as("find %s", filter).isEqualTo(expected);
            assertThat(indexed.countDocuments(filter)).as("count %s", filter).isEqualTo(stock.countDocuments(filter));
            nonEmpty += expected.isEmpty() ? 0 : 1;
        }
        assertThat(nonEmpty).as("filters that match something").isGreaterThan(15);
    }

    @Test
    void keepsNaturalOrderSortSkipLimitAndProjection() {
        Bson filter = Filters.and(Filters.in("_id", 100, 1, 0, 5, 7, 40, 39), Filters.exists("name"));
        List<Function<MongoCollection<Document>, FindIterable<Document>>> queries = List.of(
                (c) -> c.find(filter),
                (c) -> c.find(filter).sort(new Document("$natural", -1)),
                (c) -> c.find(filter).sort(new Document("version", -1).append("_id", 1)),
                (c) -> c.find(filter).skip(2).limit(3),
                (c) -> c.find(filter).projection(new Document("name", 1)),
                (c) -> c.find(filter).projection(new Document("_id", 0).append("version", 1)).batchSize(2));
        for (var query : queries) {
            List<Document> expected = query.apply(stock).into(new ArrayList<>());
            assertThat(expected).isNotEmpty();
            assertThat(query.apply(indexed).into(new ArrayList<>())).isEqualTo(expected);
        }
        // natural order is storage order: the reused slots of deleted ids 2 and 3 come first, not in _id order
        assertThat(indexed.find(filter).map((d) -> d.get("_id")).into(new ArrayList<>()))
            .containsExactly(1, 100, 0, 5, 7, 39, 40);
    }

    @Test
    void guardedWritesBehaveAsOnTheStockBackend() {
        List<Function<MongoCollection<Document>, Object>> writes = List.of(
                // Spring Data's rendering of a versioned save: {_id: x, version: v}
                (c) -> c.replaceOne(new Document("_id", 5).append("version", 5L),
                        new Document("name", "n5 v6").append("version", 6L)),
                (c) -> c.replaceOne(new Document("_id", 5).append("version", 5L),
                        new Document("name", "lost").append("version", 6L)),
                (c) -> c.replaceOne(new Document("_id", 5).append("version", 5L),
                        new Document("name", "stale").append("version", 6L), new ReplaceOptions().upsert(true)),
                (c) -> c.updateOne(new Document("_id", 6).append("version", 6L), Updates.inc("version", 1L)),
                (c) -> c.deleteOne(new Document("_id", 6).append("version", 6L)),
                (c) -> c.deleteOne(new Document("_id", 6).append("version", 7L)),
                // compare-and-set replace: current version applies, stale version does not
                (c) -> c.replaceOne(Filters.and(Filters.eq("_id", 9), Filters.eq("version", 2L)),
                        new Document("name", "n9 v3").append("version", 3L)),
                (c) -> c.replaceOne(Filters.and(Filters.eq("_id", 9), Filters.eq("version", 2L)),
                        new Document("name", "lost").append("version", 3L)),
                // upsert guarded by an older version on an existing _id: E11000, the stored document is untouched
                (c) -> c.replaceOne(Filters.and(Filters.eq("_id", 9), Filters.lt("version", 3L)),
                        new Document("name", "stale copy").append("version", 3L), new ReplaceOptions().upsert(true)),
                // the same guard on a new _id inserts
                (c) -> c.replaceOne(Filters.and(Filters.eq("_id", 500), Filters.lt("version", 1L)),
                        new Document("name", "copied").append("version", 1L), new ReplaceOptions().upsert(true)),
                (c) -> c.replaceOne(Filters.and(Filters.eq("_id", 500), Filters.lt("version", 2L)),
                        new Document("name", "copied again").append("version", 2L), new ReplaceOptions().upsert(true)),
                (c) -> c.updateOne(Filters.and(Filters.eq("_id", 11), Filters.eq("version", 4L)),
                        Updates.combine(Updates.set("name", "n11 v5"), Updates.inc("version", 1L))),
                (c) -> c.updateOne(Filters.and(Filters.eq("_id", 11), Filters.eq("version", 4L)),
                        Updates.inc("version", 1L)),
                (c) -> c.updateOne(Filters.and(Filters.eq("_id", 12), Filters.lt("version", 9L)),
                        Updates.set("version", 9L), new UpdateOptions().upsert(true)),
                (c) -> c.updateOne(Filters.and(Filters.eq("_id", 8), Filters.exists("version", false)),
                        Updates.set("version", 1L)),
                (c) -> c.updateOne(Filters.and(Filters.eq("_id", 13), Filters.lt("version", 0L)),
                        Updates.set("version", 7L), new UpdateOptions().upsert(true)),
                (c) -> c.updateMany(Filters.and(Filters.in("_id", 14, 15, 16, 999), Filters.gte("version", 1L)),
                        Updates.inc("version", 10L)),
                (c) -> c.deleteOne(Filters.and(Filters.eq("_id", 17), Filters.eq("version", 0L))),
                (c) -> c.deleteOne(Filters.and(Filters.eq("_id", 17), Filters.eq("version", 3L))),
                (c) -> c.deleteOne(Filters.and(Filters.eq("_id", 17), Filters.eq("version", 3L))),
                (c) -> c.deleteMany(Filters.and(Filters.in("_id", 18, 19, 20, 21), Filters.lt("version", 6L))),
                (c) -> c.findOneAndUpdate(Filters.and(Filters.eq("_id", 22), Filters.eq("version", 1L)),
                        Updates.inc("version", 1L)),
                (c) -> c.deleteOne(Filters.and(Filters.eq("_id", "a"), Filters.eq("version", 2L))));
        List<Object> outcomes = new ArrayList<>();
        for (var write : writes) {
            Object expected = outcome(write, stock);
            assertThat(outcome(write, indexed)).as("outcome of write #%s", outcomes.size()).isEqualTo(expected);
            assertThat(indexed.find().into(new ArrayList<>())).isEqualTo(stock.find().into(new ArrayList<>()));
            outcomes.add(expected);
        }
        assertThat(outcomes.get(6)).asString().contains("matchedCount=1");
        assertThat(outcomes.get(7)).asString().contains("matchedCount=0");
        assertThat(outcomes.get(8)).isEqualTo("error 11000");
        assertThat(indexed.find(Filters.eq("_id", 9)).first()).containsEntry("name", "n9 v3");
        assertThat(outcomes.get(9)).asString().contains("upsertedId=BsonInt32{value=500}");
        assertThat(indexed.find(Filters.eq("_id", 500)).first()).containsEntry("version", 2L);
        assertThat(indexed.find(Filters.eq("_id", 17)).first()).isNull();
        assertThat(outcomes.get(2)).isEqualTo("error 11000");
        assertThat(indexed.find(Filters.eq("_id", 6)).first()).isNull();
    }

    @Test
    void examinesOnlyThePinnedDocuments() {
        assertThat(examinedBy(() -> indexed.find(Filters.and(Filters.eq("_id", 7), Filters.lt("version", 6L))).first()))
            .isEqualTo(1);
        assertThat(examinedBy(() -> indexed.find(new Document("_id", 7).append("version", 0L)).first())).isEqualTo(1);
        assertThat(examinedBy(() -> indexed.find(Filters.and(Filters.in("_id", 1, 4, 999), Filters.exists("name")))
            .into(new ArrayList<>()))).isEqualTo(2);
        assertThat(examinedBy(() -> indexed.replaceOne(Filters.and(Filters.eq("_id", 9), Filters.eq("version", 2L)),
                new Document("version", 3L))))
            .isEqualTo(1);
        assertThat(examinedBy(() -> indexed.deleteOne(Filters.and(Filters.eq("_id", 10), Filters.eq("version", 3L)))))
            .isEqualTo(1);
        // anything else still scans, exactly as before
        int total = (int) indexed.countDocuments();
        assertThat(examinedBy(() -> indexed.find(Filters.eq("version", 2L)).into(new ArrayList<>()))).isEqualTo(total);
        assertThat(examinedBy(() -> indexed.find(Filters.and(Filters.gt("_id", 5), Filters.exists("name")))
            .into(new ArrayList<>()))).isEqualTo(total);
    }

    private static String connectionString(MongoServer server) {
        return "mongodb://127.0.0.1:" + server.getLocalAddress().getPort() + "/";
    }

    private int examinedBy(Runnable operation) {
        examined.set(0);
        operation.run();
        return examined.get();
    }

    private static Object outcome(Function<MongoCollection<Document>, Object> write, MongoCollection<Document> on) {
        try {
            return String.valueOf(write.apply(on));
        }
        catch (MongoException ex) {
            return "error " + ex.getCode();
        }
    }

    /** {@link IdIndexedMemoryBackend} whose collections count the documents their matcher examines. */
    private static final class CountingBackend extends IdIndexedMemoryBackend {

        private final AtomicInteger examined;

        CountingBackend(AtomicInteger examined) {
            this.examined = examined;
        }

        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            AtomicInteger counter = examined;
            return new IdIndexedDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new IdIndexedCollection(this, collectionName, options, cursorRegistry) {
                        @Override
                        protected boolean documentMatchesQuery(de.bwaldvogel.mongo.bson.Document document,
                                de.bwaldvogel.mongo.bson.Document query) {
                            counter.incrementAndGet();
                            return super.documentMatchesQuery(document, query);
                        }
                    };
                }
            };
        }
    }
}
