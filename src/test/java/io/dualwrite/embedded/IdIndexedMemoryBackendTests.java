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

    /** The longest {@code $in} list the instrumented backend's matcher was given. */
    private final AtomicInteger largestIn = new AtomicInteger();

    private MongoServer stockServer;

    private MongoServer indexedServer;

    private MongoClient stockClient;

    private MongoClient indexedClient;

    private MongoCollection<Document> stock;

    private MongoCollection<Document> indexed;

    @BeforeEach
    void startServers() {
        stockServer = EmbeddedMongoServer.startStandalone(new MemoryBackend());
        indexedServer = EmbeddedMongoServer.startStandalone(new CountingBackend(examined, largestIn));
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

    @Test
    void pinsToLongInListsMatchEachCandidateAgainstItsOwnIdsOnly() {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            documents.add(new Document("_id", "k" + i).append("version", (long) (i % 5)));
        }
        for (MongoCollection<Document> collection : List.of(stock, indexed)) {
            collection.insertMany(documents);
            collection.deleteMany(Filters.in("_id", "k10", "k11", "k12"));
        }
        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add("k" + (i * 3));
        }
        ids.addAll(List.of("k3", "missing", 5, 5L, 5.0, 7, OBJECT_ID, EMBEDDED_ID, DATE_ID, "a"));
        List<Bson> filters = List.of(
                Filters.and(Filters.in("_id", ids), Filters.exists("_id")),
                Filters.and(Filters.in("_id", ids), Filters.lt("version", 3L)),
                Filters.and(Filters.exists("version"), Filters.and(Filters.in("_id", ids), Filters.ne("name", "x"))),
                new Document("_id", new Document("$in", ids)).append("version", new Document("$gte", 2L)));
        int present = stock.find(Filters.in("_id", ids)).into(new ArrayList<>()).size();
        for (Bson filter : filters) {
            List<Document> expected = stock.find(filter).into(new ArrayList<>());
            assertThat(expected).hasSizeGreaterThan(300);
            largestIn.set(0);
            int examinedNow = examinedBy(() -> assertThat(indexed.find(filter).into(new ArrayList<>()))
                .as("find %s", filter).isEqualTo(expected));
            // one matcher call per document the index found, for the rest of the filter: never the long list
            assertThat(examinedNow).isBetween(expected.size(), present);
            assertThat(largestIn.get()).isZero();
            assertThat(indexed.find(filter).sort(new Document("_id", -1)).skip(3).limit(50)
                .projection(new Document("version", 1)).into(new ArrayList<>()))
                .isEqualTo(stock.find(filter).sort(new Document("_id", -1)).skip(3).limit(50)
                    .projection(new Document("version", 1)).into(new ArrayList<>()));
            assertThat(indexed.countDocuments(filter)).isEqualTo(stock.countDocuments(filter));
        }
        // writes pinned to long lists leave the same data
        Bson guard = Filters.and(Filters.in("_id", ids), Filters.lt("version", 2L));
        assertThat(indexed.updateMany(guard, Updates.inc("version", 10L)).getModifiedCount())
            .isEqualTo(stock.updateMany(guard, Updates.inc("version", 10L)).getModifiedCount());
        assertThat(indexed.deleteMany(guard).getDeletedCount()).isEqualTo(stock.deleteMany(guard).getDeletedCount());
        assertThat(indexed.find().into(new ArrayList<>())).isEqualTo(stock.find().into(new ArrayList<>()));
    }

    @Test
    void queriesSortedByIdGiveTheStockResultsFromTheOrderedView() {
        MongoCollection<Document> stockOrdered = stockClient.getDatabase("test").getCollection("ordered");
        MongoCollection<Document> indexedOrdered = indexedClient.getDatabase("test").getCollection("ordered");
        List<Object> pool = orderableIds();
        for (MongoCollection<Document> collection : List.of(stockOrdered, indexedOrdered)) {
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                documents.add(new Document("_id", pool.get(i)).append("n", i).append("odd", i % 2 == 1));
            }
            collection.insertMany(documents);
            // reuse storage positions so that natural order is neither insertion nor _id order
            collection.deleteMany(Filters.in("_id", pool.get(3), pool.get(40), pool.get(77), pool.get(150)));
            collection.insertOne(new Document("_id", "k9999").append("n", -1));
            collection.insertOne(new Document("_id", -5).append("n", -2));
        }
        List<Bson> filters = new ArrayList<>(List.of(
                new Document(),
                Filters.gte("_id", 10),
                Filters.and(Filters.gte("_id", 10), Filters.lt("_id", 60)),
                Filters.and(Filters.gt("_id", 10L), Filters.lte("_id", 60L), Filters.eq("odd", true)),
                new Document("_id", new Document("$gte", "k050").append("$lt", "k120")),
                new Document("_id", new Document("$gt", "k050").append("$lte", "k120").append("$ne", "k100")),
                Filters.and(Filters.gte("_id", "k050"), Filters.and(Filters.lt("_id", "k120"),
                        Filters.gt("_id", "k060"))),
                Filters.gt("_id", "k180"),
                Filters.lt("_id", "k005"),
                Filters.gt("_id", 5.5),
                Filters.lt("_id", 3_000_000_000L),
                Filters.gte("_id", new ObjectId("65a1b2c3d4e5f60718293a40")),
                Filters.lt("_id", Date.from(Instant.parse("2026-01-01T00:00:10Z"))),
                Filters.and(Filters.gte("_id", "k120"), Filters.lt("_id", "k050")),
                Filters.and(Filters.gte("_id", 10), Filters.lt("_id", "k100")),
                Filters.eq("odd", true),
                Filters.or(Filters.lt("_id", 5), Filters.gt("_id", "k190")),
                Filters.and(Filters.gte("_id", "k050"), Filters.regex("_id", "^k0")),
                Filters.gte("_id", new Document("a", 1)),
                Filters.in("_id", "k001", "k002", 7),
                Filters.eq("_id", "k001")));
        int ranges = 0;
        for (Bson filter : filters) {
            for (int direction : new int[] { 1, -1 }) {
                Document sort = new Document("_id", direction);
                List<Function<MongoCollection<Document>, FindIterable<Document>>> queries = List.of(
                        (c) -> c.find(filter).sort(sort),
                        (c) -> c.find(filter).sort(sort).limit(1),
                        (c) -> c.find(filter).sort(sort).skip(7).limit(5),
                        (c) -> c.find(filter).sort(sort).projection(new Document("n", 1)).batchSize(3),
                        (c) -> c.find(filter).sort(sort).projection(new Document("_id", 1)).skip(1));
                for (var query : queries) {
                    List<Document> expected = query.apply(stockOrdered).into(new ArrayList<>());
                    assertThat(query.apply(indexedOrdered).into(new ArrayList<>())).as("%s sorted %s", filter, sort)
                        .isEqualTo(expected);
                }
            }
            ranges++;
        }
        assertThat(ranges).isEqualTo(filters.size());
        // the view answers: a range with a further condition examines the range's documents only, a bare range
        // of one type (or no filter) needs no matcher at all, and a limit stops at once
        Bson narrow = Filters.and(Filters.gte("_id", "k050"), Filters.lt("_id", "k060"));
        Bson narrowOdd = Filters.and(narrow, Filters.eq("odd", true));
        assertThat(examinedBy(() -> assertThat(indexedOrdered.find(narrowOdd).sort(new Document("_id", 1))
            .into(new ArrayList<>())).hasSize(5))).isEqualTo(10);
        assertThat(examinedBy(() -> assertThat(indexedOrdered.find(narrow).sort(new Document("_id", 1))
            .into(new ArrayList<>())).hasSize(10))).isZero();
        assertThat(examinedBy(() -> indexedOrdered.find(Filters.exists("n")).sort(new Document("_id", -1)).limit(1)
            .first())).isEqualTo(1);
        assertThat(examinedBy(() -> assertThat(indexedOrdered.find().sort(new Document("_id", -1)).limit(1).first())
            .isEqualTo(stockOrdered.find().sort(new Document("_id", -1)).limit(1).first()))).isZero();
        // once the view exists it answers the lookups of pinned queries: same results as the index
        List<Bson> pinned = List.of(
                Filters.and(Filters.in("_id", pool.subList(0, 150)), Filters.exists("_id")),
                Filters.and(Filters.in("_id", 9, 9L, 9.0, 10L, 10, 3_000_000_000L, "k001", "nope", pool.get(3)),
                        Filters.exists("n")),
                Filters.and(Filters.eq("_id", 6L), Filters.exists("n")),
                Filters.and(Filters.eq("_id", 6.0), Filters.exists("n")),
                Filters.and(Filters.eq("_id", pool.get(330)), Filters.gte("n", 0)),
                Filters.and(Filters.in("_id", pool.subList(100, 300)), Filters.eq("odd", false)));
        for (Bson filter : pinned) {
            List<Document> expected = stockOrdered.find(filter).into(new ArrayList<>());
            assertThat(expected).isNotEmpty();
            assertThat(indexedOrdered.find(filter).into(new ArrayList<>())).as("%s", filter).isEqualTo(expected);
        }
        // without a sort on _id the stock path answers, as before
        int total = (int) indexedOrdered.countDocuments();
        assertThat(examinedBy(() -> indexedOrdered.find(narrow).into(new ArrayList<>()))).isEqualTo(total);
    }

    @Test
    void theViewOrdersIdsExactlyAsTheServerComparesThem() {
        List<Object> ids = new ArrayList<>();
        for (long value : new long[] { Long.MIN_VALUE, -9_007_199_254_740_993L, -9_007_199_254_740_992L, -3_000_000_000L,
                Integer.MIN_VALUE, -1, 0, 1, 2, 41, Integer.MAX_VALUE, 3_000_000_000L, 9_007_199_254_740_992L,
                9_007_199_254_740_993L, Long.MAX_VALUE - 1, Long.MAX_VALUE }) {
            ids.add(value);
            if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
                ids.add((int) value);
            }
        }
        for (String value : new String[] { "", "A", "a", "aa", "ab", "b", "k050", "k0500", "z", "\u00e9", "\u4e2d",
                "\ud83d\ude00" }) {
            ids.add(value);
        }
        for (String hex : new String[] { "000000000000000000000000", "65a1b2c3d4e5f60718293a4b",
                "65a1b2c3d4e5f60718293a4c", "ffffffffffffffffffffffff", "7fffffffffffffffffffffff",
                "80ffffffffffffffffffffff" }) {
            ids.add(new de.bwaldvogel.mongo.bson.ObjectId(hex));
        }
        for (long millis : new long[] { Long.MIN_VALUE / 1_000_000, -1, 0, 1, 1_767_225_600_000L }) {
            ids.add(Instant.ofEpochMilli(millis));
        }
        for (Object a : ids) {
            assertThat(IdIndexedMemoryBackend.IdIndexedCollection.isOrderableId(a)).isTrue();
            for (Object b : ids) {
                assertThat(Integer.signum(IdIndexedMemoryBackend.IdIndexedCollection.ID_ORDER.compare(a, b)))
                    .as("%s (%s) vs %s (%s)", a, a.getClass().getSimpleName(), b, b.getClass().getSimpleName())
                    .isEqualTo(Integer.signum(de.bwaldvogel.mongo.backend.ValueComparator.asc().compare(a, b)));
            }
        }
    }

    @Test
    void collectionsHoldingOtherIdTypesAreSortedByTheStockPath() {
        // the shared fixture holds a double and an embedded-document _id: the ordered view stays off
        int total = (int) indexed.countDocuments();
        Document ascending = new Document("_id", 1);
        for (Bson filter : List.of(new Document(), Filters.gte("_id", 5), Filters.lt("_id", "b"))) {
            assertThat(indexed.find(filter).sort(ascending).into(new ArrayList<>()))
                .isEqualTo(stock.find(filter).sort(ascending).into(new ArrayList<>()));
            assertThat(indexed.find(filter).sort(new Document("_id", -1)).limit(3).into(new ArrayList<>()))
                .isEqualTo(stock.find(filter).sort(new Document("_id", -1)).limit(3).into(new ArrayList<>()));
        }
        assertThat(examinedBy(() -> indexed.find(Filters.gte("_id", 5)).sort(ascending).first())).isEqualTo(total);
        // once the last of them is gone the view takes over; one coming back turns it off again
        for (MongoCollection<Document> collection : List.of(stock, indexed)) {
            collection.deleteMany(Filters.in("_id", 2.5, EMBEDDED_ID));
        }
        assertThat(examinedBy(() -> indexed.find(Filters.gte("_id", 5)).sort(ascending).first())).isEqualTo(1);
        for (MongoCollection<Document> collection : List.of(stock, indexed)) {
            collection.insertOne(new Document("_id", 7.5).append("name", "double again"));
        }
        assertThat(indexed.find(Filters.gte("_id", 5)).sort(ascending).into(new ArrayList<>()))
            .isEqualTo(stock.find(Filters.gte("_id", 5)).sort(ascending).into(new ArrayList<>()));
        assertThat(examinedBy(() -> indexed.find(Filters.gte("_id", 5)).sort(ascending).first()))
            .isEqualTo(total - 1);
    }

    @Test
    void theOrderedViewFollowsEveryWrite() {
        MongoCollection<Document> stockOrdered = stockClient.getDatabase("test").getCollection("changing");
        MongoCollection<Document> indexedOrdered = indexedClient.getDatabase("test").getCollection("changing");
        List<Object> pool = orderableIds();
        java.util.Random random = new java.util.Random(42);
        for (int step = 0; step < 600; step++) {
            Object id = pool.get(random.nextInt(pool.size()));
            Object other = pool.get(random.nextInt(pool.size()));
            int kind = random.nextInt(8);
            int value = random.nextInt(100);
            Function<MongoCollection<Document>, Object> write = switch (kind) {
                case 0, 1 -> (c) -> c.insertOne(new Document("_id", id).append("n", value));
                case 2 -> (c) -> c.insertMany(List.of(new Document("_id", id).append("n", value),
                        new Document("_id", other).append("n", value)),
                        new com.mongodb.client.model.InsertManyOptions().ordered(false));
                case 3 -> (c) -> c.deleteOne(Filters.eq("_id", id));
                case 4 -> (c) -> c.deleteMany(Filters.and(Filters.gte("_id", id), Filters.lt("_id", other)));
                case 5 -> (c) -> c.replaceOne(Filters.eq("_id", id), new Document("n", value),
                        new ReplaceOptions().upsert(true));
                case 6 -> (c) -> c.updateMany(Filters.and(Filters.gte("_id", id), Filters.exists("n")),
                        Updates.set("n", value));
                default -> (c) -> c.findOneAndDelete(Filters.gt("_id", id),
                        new com.mongodb.client.model.FindOneAndDeleteOptions().sort(new Document("_id", 1)));
            };
            assertThat(outcome(write, indexedOrdered)).as("write %s", step).isEqualTo(outcome(write, stockOrdered));
            Bson range = random.nextBoolean() ? Filters.and(Filters.gte("_id", id), Filters.lt("_id", other))
                    : new Document("_id", new Document("$gt", id).append("$lte", other));
            Document sort = new Document("_id", random.nextBoolean() ? 1 : -1);
            int limit = random.nextInt(4) * 5;
            assertThat(indexedOrdered.find(range).sort(sort).limit(limit).into(new ArrayList<>()))
                .as("step %s: %s sorted %s limit %s", step, range, sort, limit)
                .isEqualTo(stockOrdered.find(range).sort(sort).limit(limit).into(new ArrayList<>()));
            assertThat(indexedOrdered.find().sort(sort).into(new ArrayList<>()))
                .isEqualTo(stockOrdered.find().sort(sort).into(new ArrayList<>()));
        }
        assertThat(indexedOrdered.countDocuments()).isPositive();
    }

    /**
     * A cursor's later batches (get-more) return the documents it has not returned yet as they are at the get-more,
     * as the stock backend's do (it shares the stored documents): an update after the cursor was opened is seen, and a
     * document deleted meanwhile still comes as it was found. Copy-on-write must not turn the cursor into a snapshot
     * of the moment it was opened (the copier reads a whole partition through one cursor and relies on this).
     */
    @Test
    void aCursorsLaterBatchesSeeWritesMadeAfterItWasOpenedAsStockDoes() {
        List<List<Document>> results = new ArrayList<>();
        List<List<Document>> projected = new ArrayList<>();
        for (MongoCollection<Document> collection : List.of(stock, indexed)) {
            List<Document> read = new ArrayList<>();
            List<Document> readProjected = new ArrayList<>();
            Bson range = Filters.and(Filters.gte("_id", 1), Filters.lte("_id", 20));
            try (var cursor = collection.find(range).sort(com.mongodb.client.model.Sorts.ascending("_id"))
                    .batchSize(3).iterator();
                    var projecting = collection.find(range).projection(new Document("name", 1).append("version", 1))
                            .batchSize(3).iterator()) {
                for (int i = 0; i < 3; i++) {
                    read.add(cursor.next());
                    readProjected.add(projecting.next());
                }
                collection.replaceOne(Filters.eq("_id", 12), new Document("_id", 12).append("name", "replaced"));
                collection.updateOne(Filters.eq("_id", 15), Updates.set("name", "updated"));
                collection.deleteOne(Filters.eq("_id", 17));
                cursor.forEachRemaining(read::add);
                projecting.forEachRemaining(readProjected::add);
            }
            results.add(read);
            projected.add(readProjected);
        }
        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(projected.get(1)).as("projected documents stay as the projection built them")
                .isEqualTo(projected.get(0))
                .allSatisfy(d -> assertThat(d.keySet()).isSubsetOf("_id", "name", "version"));
        assertThat(results.get(1)).filteredOn(d -> d.get("_id").equals(12)).singleElement()
                .satisfies(d -> assertThat(d.getString("name")).isEqualTo("replaced"));
        assertThat(results.get(1)).filteredOn(d -> d.get("_id").equals(15)).singleElement()
                .satisfies(d -> assertThat(d.getString("name")).isEqualTo("updated"));
    }

    @Test
    void theOrderedViewStaysConsistentUnderConcurrentWrites() throws Exception {
        java.util.Map<String, IdIndexedMemoryBackend.IdIndexedCollection> collections =
                new java.util.concurrent.ConcurrentHashMap<>();
        MongoServer server = EmbeddedMongoServer.startStandalone(new IdIndexedMemoryBackend() {
            @Override
            public MemoryDatabase openOrCreateDatabase(String databaseName) {
                return new IdIndexedDatabase(databaseName, getCursorRegistry()) {
                    @Override
                    protected MemoryCollection openOrCreateCollection(String collectionName,
                            CollectionOptions options) {
                        IdIndexedCollection collection = new IdIndexedCollection(this, collectionName, options,
                                cursorRegistry);
                        collections.put(collectionName, collection);
                        return collection;
                    }
                };
            }
        });
        try (MongoClient client = MongoClients.create(connectionString(server))) {
            MongoCollection<Document> items = client.getDatabase("test").getCollection("busy");
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                documents.add(new Document("_id", String.format("k%04d", i)).append("n", i));
            }
            items.insertMany(documents);
            IdIndexedMemoryBackend.IdIndexedCollection collection = collections.get("busy");
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(2);
            List<java.util.concurrent.Future<Integer>> writes = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int seed = w;
                writes.add(writers.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    int count = 0;
                    while (!stop.get()) {
                        String id = String.format("k%04d", random.nextInt(2_500));
                        switch (random.nextInt(4)) {
                            case 0 -> items.deleteOne(Filters.eq("_id", id));
                            case 1 -> items.replaceOne(Filters.eq("_id", id), new Document("n", count),
                                    new ReplaceOptions().upsert(true));
                            case 2 -> items.deleteMany(Filters.and(Filters.gte("_id", id), Filters.lt("_id", id + "5")));
                            default -> items.updateOne(Filters.and(Filters.eq("_id", id), Filters.exists("n")),
                                    Updates.inc("n", 1));
                        }
                        count++;
                    }
                    return count;
                }));
            }
            long until = System.nanoTime() + 1_500_000_000L;
            int compared = 0;
            java.util.Random random = new java.util.Random(7);
            while (System.nanoTime() < until || compared < 50) {
                String lower = String.format("k%04d", random.nextInt(2_500));
                String upper = String.format("k%04d", random.nextInt(2_500));
                de.bwaldvogel.mongo.bson.Document filter = new de.bwaldvogel.mongo.bson.Document("$and", List.of(
                        new de.bwaldvogel.mongo.bson.Document("_id", new de.bwaldvogel.mongo.bson.Document("$gte",
                                lower)),
                        new de.bwaldvogel.mongo.bson.Document("_id", new de.bwaldvogel.mongo.bson.Document("$lt",
                                upper))));
                List<de.bwaldvogel.mongo.bson.Document> fromView = new ArrayList<>();
                List<de.bwaldvogel.mongo.bson.Document> fromScan = new ArrayList<>();
                synchronized (collection) { // one instant: no write in between
                    collection.handleQuery(new de.bwaldvogel.mongo.backend.QueryParameters(
                            new de.bwaldvogel.mongo.bson.Document("query", filter).append("orderby",
                                    new de.bwaldvogel.mongo.bson.Document("_id", 1)), 0, 0))
                        .forEach(fromView::add);
                    collection.handleQuery(new de.bwaldvogel.mongo.backend.QueryParameters(filter, 0, 0))
                        .forEach(fromScan::add);
                }
                fromScan.sort((a, b) -> de.bwaldvogel.mongo.backend.ValueComparator.asc().compare(a.get("_id"),
                        b.get("_id")));
                assertThat(fromView).isEqualTo(fromScan);
                // and through the driver, racing the writers: sorted, in range, no duplicates
                List<Object> ids = items.find(Filters.and(Filters.gte("_id", lower), Filters.lt("_id", upper)))
                    .sort(new Document("_id", 1)).map(d -> d.get("_id")).into(new ArrayList<>());
                assertThat(ids).isSortedAccordingTo((a, b) -> ((String) a).compareTo((String) b))
                    .doesNotHaveDuplicates()
                    .allSatisfy(id -> assertThat((String) id).isGreaterThanOrEqualTo(lower).isLessThan(upper));
                compared++;
            }
            stop.set(true);
            int written = 0;
            for (var write : writes) {
                written += write.get();
            }
            writers.shutdown();
            assertThat(written).as("concurrent writes").isGreaterThan(100);
            assertThat(compared).isGreaterThanOrEqualTo(50);
        }
        finally {
            server.shutdownNow();
        }
    }

    /** Ids of every type the ordered view holds, in no particular order. */
    private static List<Object> orderableIds() {
        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(String.format("k%03d", (i * 37) % 200));
        }
        for (int i = 0; i < 100; i++) {
            ids.add(i % 2 == 0 ? (Object) (i * 3) : (Object) (long) (i * 3 + 1));
        }
        for (int i = 0; i < 20; i++) {
            ids.add((3_000_000_000L + i * 1_000_000_000L) * (i % 2 == 0 ? 1 : -1));
            ids.add(new ObjectId(String.format("65a1b2c3d4e5f60718293a%02x", i * 7 % 256)));
            ids.add(Date.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i * 3L % 20)));
        }
        return ids;
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

    /**
     * {@link IdIndexedMemoryBackend} whose collections count the documents their matcher examines (and record the
     * longest {@code $in} list the matcher was given).
     */
    static final class CountingBackend extends IdIndexedMemoryBackend {

        private final AtomicInteger examined;

        private final AtomicInteger largestIn;

        CountingBackend(AtomicInteger examined) {
            this(examined, new AtomicInteger());
        }

        CountingBackend(AtomicInteger examined, AtomicInteger largestIn) {
            this.examined = examined;
            this.largestIn = largestIn;
        }

        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            AtomicInteger counter = examined;
            AtomicInteger largestIn = this.largestIn;
            return new IdIndexedDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new IdIndexedCollection(this, collectionName, options, cursorRegistry) {
                        @Override
                        protected boolean documentMatchesQuery(de.bwaldvogel.mongo.bson.Document document,
                                de.bwaldvogel.mongo.bson.Document query) {
                            if (query != ALREADY_MATCHED) {
                                counter.incrementAndGet();
                                largestIn.accumulateAndGet(largestInList(query), Math::max);
                            }
                            return super.documentMatchesQuery(document, query);
                        }
                    };
                }
            };
        }
    }

    /** The longest {@code $in} list anywhere in a filter. */
    static int largestInList(Object filter) {
        int largest = 0;
        if (filter instanceof java.util.Map<?, ?> map) {
            for (java.util.Map.Entry<?, ?> entry : map.entrySet()) {
                if ("$in".equals(entry.getKey()) && entry.getValue() instanceof java.util.Collection<?> values) {
                    largest = Math.max(largest, values.size());
                }
                largest = Math.max(largest, largestInList(entry.getValue()));
            }
        }
        else if (filter instanceof java.util.Collection<?> values) {
            for (Object value : values) {
                largest = Math.max(largest, largestInList(value));
            }
        }
        return largest;
    }
}
