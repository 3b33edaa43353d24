package io.dualwrite.repository;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.mongodb.MongoDBContainer;

import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;

import io.dualwrite.embedded.EmbeddedMongoServer;
import io.dualwrite.fixtures.Fixtures;

/**
 * The per-phase repository contract on a real MongoDB 8 replica set. Runs wherever a Docker engine is present;
 * elsewhere JUnit reports it skipped ("Could not find a valid Docker environment" in the log).
 */
@Testcontainers(disabledWithoutDocker = true)
class PhasedRepositoryMongoContainerIntegrationTests extends PhasedRepositoryContract {

    @Container
    static final MongoDBContainer MONGO = new MongoDBContainer("mongo:8.0").withReplicaSet();

    private static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = Fixtures.start("phased_repository_real",
                "spring.mongodb.uri=" + MONGO.getReplicaSetUrl("phased_repository_real"));
        // the suite must run on the container, never fall back to the embedded server
        assertThat(context.getBean(MongoClient.class).getClusterDescription().getClusterSettings().getHosts())
                .extracting(ServerAddress::getPort).containsExactly(MONGO.getFirstMappedPort());
        assertThat(EmbeddedMongoServer.isStarted() && context.containsBean("embeddedMongoConnectionDetails"))
                .as("embedded server used").isFalse();
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Override
    protected ConfigurableApplicationContext context() {
        return context;
    }
}
