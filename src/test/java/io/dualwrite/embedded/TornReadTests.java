package io.dualwrite.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;

import de.bwaldvogel.mongo.MongoServer;

/**
 * Reads never see a document half-way through an update on {@link IdIndexedMemoryBackend}. mongo-java-server applies
 * an update to the stored document in place (it removes the fields the new document lacks, then puts the new ones)
 * and, stock, sends query results — and a find-and-modify's document — without copying them, after the collection's
 * lock is released: a read racing an update could get a mix of both. Here writers replace a few documents over and
 * over, alternating a tombstone and a live document of many fields (every field of a write carries that write's
 * number), while readers read them every way the layer does — by {@code _id}, by an {@code _id}-pinned filter, an
 * {@code _id} range sorted by {@code _id}, a whole-collection scan, a cursor read in small batches (get-more), an
 * aggregation, and find-and-modify returning the new document — and every document read must be one that was written
 * whole.
 */
class TornReadTests {

    private static final int IDS = 4;

    private static final int FIELDS = 200;

    private static final Set<String> TOMBSTONE_KEYS = Set.of("_id", "version", "_dwDeleted", "_dwDeletedAt");

    private MongoServer server;

    private MongoClient client;

    private MongoCollection<Document> items;

    @BeforeEach
    void start() {
        server = EmbeddedMongoServer.startStandalone(new IdIndexedMemoryBackend());
        client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort() + "/");
        items = client.getDatabase("torn").getCollection("items");
        for (int i = 0; i < IDS; i++) {
            items.insertOne(live(id(i), 0));
        }
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void readsRacingInPlaceReplacesOnlySeeWholeDocuments() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        Consumer<Document> check = document -> {
            reads.incrementAndGet();
            if (document != null) {
                document.remove("touched"); // set by the find-and-modify reader on whichever write it met
            }
            String problem = problem(document);
            if (problem != null && torn.size() < 10) {
                torn.add(problem + ": " + document);
            }
        };
        List<Runnable> readers = List.of(
                () -> check.accept(items.find(Filters.eq("_id", id(pick()))).first()),
                () -> items.find(Filters.and(Filters.eq("_id", id(pick())), Filters.gte("version", 0L)))
                        .forEach(check),
                () -> items.find(Filters.and(Filters.gte("_id", id(0)), Filters.lte("_id", id(IDS - 1))))
                        .sort(Sorts.ascending("_id")).forEach(check),
                () -> items.find().forEach(check),
                () -> items.find().batchSize(1).forEach(check),
                () -> items.aggregate(List.of(Aggregates.match(Filters.gte("version", 0L)))).forEach(check),
                () -> {
                    // find-and-modify returning the document after an update of a field the check ignores
                    check.accept(items.findOneAndUpdate(Filters.eq("_id", id(pick())), Updates.set("touched", true),
                            new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
                });
        ExecutorService pool = Executors.newFixedThreadPool(2 + readers.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            boolean findAndModify = w == 1;
            threads.add(pool.submit(() -> {
                go.await();
                for (long n = 1; !stop.get(); n++) {
                    int i = (int) (n % IDS);
                    Document next = n % 2 == 0 ? live(id(i), n) : tombstone(id(i), n);
                    try {
                        if (findAndModify) {
                            // a writer that reads what it wrote: find-and-modify returning the new document
                            check.accept(items.findOneAndReplace(Filters.eq("_id", id(i)), next,
                                    new FindOneAndReplaceOptions().returnDocument(ReturnDocument.AFTER)));
                        }
                        else {
                            items.replaceOne(Filters.eq("_id", id(i)), next);
                        }
                        writes.incrementAndGet();
                    }
                    catch (RuntimeException failed) {
                        // a connection the stock server dropped (see the readers)
                        if (torn.size() < 10) {
                            torn.add("write failed: " + failed);
                        }
                    }
                }
                return null;
            }));
        }
        for (Runnable reader : readers) {
            threads.add(pool.submit(() -> {
                go.await();
                while (!stop.get()) {
                    try {
                        reader.run();
                    }
                    catch (RuntimeException failed) {
                        // the stock server fails to encode a document changing under it and drops the connection
                        if (torn.size() < 10) {
                            torn.add("read failed: " + failed);
                        }
                    }
                }
                return null;
            }));
        }
        go.countDown();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until && torn.isEmpty()) {
            Thread.sleep(20);
        }
        stop.set(true);
        for (Future<?> thread : threads) {
            thread.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        org.slf4j.LoggerFactory.getLogger(TornReadTests.class).info("{} reads and {} writes raced, {} torn",
                reads.get(), writes.get(), torn.size());
        assertThat(torn).as("documents read half-way through a replace (%d reads, %d writes)", reads.get(),
                writes.get()).isEmpty();
        assertThat(writes.get()).as("writes").isGreaterThan(500);
        assertThat(reads.get()).as("reads").isGreaterThan(500);
    }

    // ------------------------------------------------------------------ whole documents

    private static String id(int i) {
        return "item-" + i;
    }

    private static int pick() {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(IDS);
    }

    /** A live document of write {@code n}: every field holds {@code n}. */
    private static Document live(String id, long n) {
        Document document = new Document("_id", id).append("version", n);
        for (int f = 0; f < FIELDS; f++) {
            document.append("f" + f, "w" + n);
        }
        return document.append("nested", new Document("n", n).append("list", List.of(n, n)));
    }

    private static Document tombstone(String id, long n) {
        return new Document("_id", id).append("version", n).append("_dwDeleted", true)
                .append("_dwDeletedAt", new Date(n));
    }

    /** What is wrong with a document read, {@code null} when it is one of the documents written, whole. */
    private static String problem(Document document) {
        if (document == null) {
            return "no document (every id always exists)";
        }
        if (!(document.get("version") instanceof Long n)) {
            return "no version";
        }
        if (document.containsKey("_dwDeleted")) {
            return document.keySet().equals(TOMBSTONE_KEYS) && new Date(n).equals(document.get("_dwDeletedAt"))
                    ? null : "a tombstone with other fields";
        }
        Document expected = live(document.getString("_id"), n);
        return expected.equals(document) ? null : "a live document that was never written";
    }
}
