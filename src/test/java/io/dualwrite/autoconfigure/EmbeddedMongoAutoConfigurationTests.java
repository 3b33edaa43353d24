package io.dualwrite.autoconfigure;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration.EmbeddedMongoConnectionDetails;
import io.dualwrite.embedded.EmbeddedMongoServer;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the embedded server is used, and when it must stay out of the way.
 */
class EmbeddedMongoAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EmbeddedMongoAutoConfiguration.class, MongoAutoConfiguration.class));

    @Test
    void withNothingConfiguredTheClientTalksToTheEmbeddedServer() {
        runner.run((context) -> {
            assertThat(context).hasNotFailed();
            MongoConnectionDetails details = context.getBean(MongoConnectionDetails.class);
            assertThat(details).isInstanceOf(EmbeddedMongoConnectionDetails.class);
            assertThat(details.getConnectionString().getConnectionString())
                .isEqualTo("mongodb://127.0.0.1:" + EmbeddedMongoServer.port() + "/dualwrite");
            MongoCollection<Document> collection = context.getBean(MongoClient.class)
                .getDatabase("dualwrite")
                .getCollection("auto_configuration_" + new ObjectId());
            collection.insertOne(new Document("_id", "x").append("version", 1L));
            assertThat(collection.countDocuments(new Document("_id", "x").append("version", 1L))).isEqualTo(1);
        });
    }

    @Test
    void everyContextSharesTheOneServer() {
        runner.run((first) -> runner.run((second) -> assertThat(
                second.getBean(MongoConnectionDetails.class).getConnectionString().getHosts())
            .isEqualTo(first.getBean(MongoConnectionDetails.class).getConnectionString().getHosts())
            .containsExactly("127.0.0.1:" + EmbeddedMongoServer.port())));
    }

    @Test
    void databaseComesFromDualwriteEmbeddedDatabase() {
        runner.withPropertyValues("dualwrite.embedded.database=orders")
            .run((context) -> assertThat(context.getBean(MongoConnectionDetails.class).getConnectionString().getDatabase())
                .isEqualTo("orders"));
    }

    @Test
    void springMongodbDatabaseWinsOverTheEmbeddedDefault() {
        runner.withPropertyValues("spring.mongodb.database=billing", "dualwrite.embedded.database=orders")
            .run((context) -> assertThat(context.getBean(MongoConnectionDetails.class).getConnectionString().getDatabase())
                .isEqualTo("billing"));
    }

    @Test
    void backsOffWhenSpringMongodbUriIsSet() {
        runner.withPropertyValues("spring.mongodb.uri=mongodb://db.example.test:27017/prod").run((context) -> {
            assertThat(context).doesNotHaveBean(EmbeddedMongoConnectionDetails.class);
            assertThat(context.getBean(MongoConnectionDetails.class).getConnectionString().getHosts())
                .containsExactly("db.example.test:27017");
        });
    }

    @Test
    void backsOffWhenSpringMongodbHostIsSet() {
        runner.withPropertyValues("spring.mongodb.host=db.example.test").run((context) -> {
            assertThat(context).doesNotHaveBean(EmbeddedMongoConnectionDetails.class);
            assertThat(context.getBean(MongoConnectionDetails.class).getConnectionString().getHosts())
                .containsExactly("db.example.test");
        });
    }

    @Test
    void backsOffWhenConnectionDetailsExistAlready() {
        MongoConnectionDetails serviceConnection = () -> new ConnectionString("mongodb://container.test:32768/test");
        runner.withBean("serviceConnection", MongoConnectionDetails.class, () -> serviceConnection).run((context) -> {
            assertThat(context).doesNotHaveBean(EmbeddedMongoConnectionDetails.class);
            assertThat(context.getBean(MongoConnectionDetails.class)).isSameAs(serviceConnection);
        });
    }

    @Test
    void backsOffWhenTheEmbeddedServerIsDisabled() {
        runner.withPropertyValues("dualwrite.embedded.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(EmbeddedMongoConnectionDetails.class)
                .getBean(MongoConnectionDetails.class)
                .satisfies((details) -> assertThat(details.getConnectionString().getHosts())
                    .containsExactly("localhost")));
    }

    @Test
    void backsOffWhenDualwriteIsDisabled() {
        runner.withPropertyValues("dualwrite.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(EmbeddedMongoConnectionDetails.class)
                .doesNotHaveBean(DualWriteProperties.class));
    }

    @Test
    void anEmptyDatabaseNameFailsStartupSayingWhatToSet() {
        runner.withPropertyValues("dualwrite.embedded.database=").run((context) -> assertThat(context).hasFailed()
            .getFailure()
            .rootCause()
            .hasMessageContaining("dualwrite.embedded.database is empty"));
    }
}
