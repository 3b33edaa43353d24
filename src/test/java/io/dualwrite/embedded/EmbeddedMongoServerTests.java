package io.dualwrite.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM-wide embedded server: one instance whatever the number or concurrency of callers, local only, reachable
 * through the real driver, and not keeping the JVM alive.
 */
class EmbeddedMongoServerTests {

    @Test
    void concurrentFirstCallersAllGetTheSameServer() throws Exception {
        int callers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(callers);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Callable<String> call = () -> {
                    start.await();
                    return EmbeddedMongoServer.connectionString();
                };
                answers.add(executor.submit(call));
            }
            start.countDown();
            Set<String> distinct = answers.stream().map(EmbeddedMongoServerTests::get).collect(Collectors.toSet());
            assertThat(distinct).containsExactly("mongodb://127.0.0.1:" + EmbeddedMongoServer.port() + "/");
            assertThat(EmbeddedMongoServer.isStarted()).isTrue();
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void servesTheRealDriverOnTheLoopbackInterface() {
        try (MongoClient client = MongoClients.create(EmbeddedMongoServer.connectionString())) {
            MongoCollection<Document> collection = client.getDatabase("embedded_server_tests").getCollection("things_" + new ObjectId());
            collection.insertOne(new Document("_id", 1).append("version", 1L));
            assertThat(collection.find(new Document("_id", 1).append("version", 1L)).first())
                .containsEntry("version", 1L);
            assertThat(client.getClusterDescription().getServerDescriptions())
                .allSatisfy((server) -> assertThat(server.getAddress().getHost()).isEqualTo("127.0.0.1"));
        }
    }

    @Test
    void itsThreadsDoNotKeepTheJvmAlive() {
        EmbeddedMongoServer.port();
        try (MongoClient client = MongoClients.create(EmbeddedMongoServer.connectionString())) {
            // a connection makes the server start its worker threads too
            client.getDatabase("admin").runCommand(new Document("ping", 1));
            List<Thread> serverThreads = Thread.getAllStackTraces()
                .keySet()
                .stream()
                .filter((thread) -> thread.getName().startsWith("mongo-server-"))
                .toList();
            assertThat(serverThreads).isNotEmpty().allSatisfy((thread) -> assertThat(thread.isDaemon()).isTrue());
        }
    }

    private static String get(Future<String> future) {
        try {
            return future.get();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
