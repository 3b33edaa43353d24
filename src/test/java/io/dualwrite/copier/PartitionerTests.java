package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;

import io.dualwrite.embedded.EmbeddedMongoServer;

/** Partition boundaries: the exact quantiles of the ids, whatever their order of insertion. */
class PartitionerTests {

    private MongoClient client;

    private MongoCollection<Document> collection;

    @BeforeEach
    void connect() {
        client = MongoClients.create(EmbeddedMongoServer.connectionString());
        collection = client.getDatabase("partitioner-tests-" + new ObjectId()).getCollection("items");
    }

    @AfterEach
    void disconnect() {
        collection.drop();
        client.close();
    }

    @Test
    void boundariesAreTheIdsAtTheQuantileRanks() {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            documents.add(new Document("_id", String.format("k%04d", (i * 7_919) % 1_000)));
        }
        collection.insertMany(documents);

        assertThat(Partitioner.boundaries(collection, 4)).containsExactly("k0250", "k0500", "k0750");
        assertThat(Partitioner.boundaries(collection, 16)).hasSize(15).isSorted().startsWith("k0062", "k0125")
            .endsWith("k0937");
        assertThat(Partitioner.boundaries(collection, 1)).isEmpty();
    }

    @Test
    void smallCollectionsGetFewerPartitions() {
        for (int i = 1; i <= 5; i++) {
            collection.insertOne(new Document("_id", i * 10));
        }
        assertThat(Partitioner.boundaries(collection, 16)).containsExactly(20, 30, 40, 50);
        collection.drop();
        assertThat(Partitioner.boundaries(collection, 16)).isEmpty();
        collection.insertOne(new Document("_id", 1));
        assertThat(Partitioner.boundaries(collection, 16)).isEmpty();
    }

    @Test
    void mixedIdTypesAreRefused() {
        collection.insertMany(List.of(new Document("_id", 1), new Document("_id", "a")));
        assertThatThrownBy(() -> Partitioner.boundaries(collection, 4)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("different types");
    }
}
