package io.dualwrite.embedded;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration;
import io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration.EmbeddedMongoConnectionDetails;
import org.apache.commons.logging.Log;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoConnectionDetails;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code MONGODB_URI} and the Boot 3 property {@code spring.data.mongodb.uri} reach {@code spring.mongodb.uri}.
 */
class MongoUriEnvironmentPostProcessorTests {

    private final List<String> warnings = new ArrayList<>();

    private final MongoUriEnvironmentPostProcessor processor = new MongoUriEnvironmentPostProcessor(
            (supplier) -> recordingLog(warnings));

    @Test
    void mapsMongodbUri() {
        StandardEnvironment environment = environment(Map.of("MONGODB_URI", "mongodb://db.test:27017/shop"));
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getProperty("spring.mongodb.uri")).isEqualTo("mongodb://db.test:27017/shop");
        assertThat(environment.getPropertySources().stream().reduce((first, second) -> second).orElseThrow().getName())
            .as("the mapped value has the lowest precedence")
            .isEqualTo(MongoUriEnvironmentPostProcessor.PROPERTY_SOURCE_NAME);
        assertThat(warnings).isEmpty();
    }

    @Test
    void mapsTheDeprecatedPropertyAndAsksToRenameIt() {
        StandardEnvironment environment = environment(Map.of("spring.data.mongodb.uri", "mongodb://old.test/shop"));
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getProperty("spring.mongodb.uri")).isEqualTo("mongodb://old.test/shop");
        assertThat(warnings).singleElement()
            .asString()
            .contains("spring.data.mongodb.uri is deprecated")
            .contains("Rename it to spring.mongodb.uri");
    }

    @Test
    void mongodbUriWinsOverTheDeprecatedProperty() {
        StandardEnvironment environment = environment(
                Map.of("MONGODB_URI", "mongodb://env.test/shop", "spring.data.mongodb.uri", "mongodb://old.test/shop"));
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getProperty("spring.mongodb.uri")).isEqualTo("mongodb://env.test/shop");
        assertThat(warnings).singleElement().asString().contains("rename it to spring.mongodb.uri");
    }

    @Test
    void anExplicitSpringMongodbUriIsLeftAlone() {
        StandardEnvironment environment = environment(Map.of("spring.mongodb.uri", "mongodb://explicit.test/shop",
                "MONGODB_URI", "mongodb://env.test/shop", "spring.data.mongodb.uri", "mongodb://old.test/shop"));
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getProperty("spring.mongodb.uri")).isEqualTo("mongodb://explicit.test/shop");
        assertThat(environment.getPropertySources().contains(MongoUriEnvironmentPostProcessor.PROPERTY_SOURCE_NAME))
            .isFalse();
        assertThat(warnings).singleElement().asString().contains("Remove spring.data.mongodb.uri");
    }

    @Test
    void hostPropertiesAreNotOverriddenByAUri() {
        StandardEnvironment environment = environment(
                Map.of("spring.mongodb.host", "host.test", "MONGODB_URI", "mongodb://env.test/shop"));
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getProperty("spring.mongodb.uri")).isNull();
        assertThat(warnings).singleElement().asString().contains("MONGODB_URI is ignored because spring.mongodb.host");
    }

    @Test
    void nothingConfiguredChangesNothing() {
        StandardEnvironment environment = environment(Map.of());
        int sources = environment.getPropertySources().size();
        processor.postProcessEnvironment(environment, null);
        assertThat(environment.getPropertySources().size()).isEqualTo(sources);
        assertThat(environment.getProperty("spring.mongodb.uri")).isNull();
    }

    @Test
    void isRegisteredWithSpringBoot() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(EnvironmentPostProcessor.class,
                SpringFactoriesLoader.ArgumentResolver.of(org.springframework.boot.logging.DeferredLogFactory.class,
                        (supplier) -> recordingLog(warnings))))
            .hasAtLeastOneElementOfType(MongoUriEnvironmentPostProcessor.class);
    }

    @Test
    void aBootApplicationGivenMongodbUriConnectsThereInsteadOfTheDefault() {
        String database = "env_uri_" + new ObjectId();
        String uri = EmbeddedMongoServer.connectionString() + database;
        try (ConfigurableApplicationContext context = application("--MONGODB_URI=" + uri)) {
            assertThatApplicationUses(context, uri, database);
        }
    }

    @Test
    void aBootApplicationGivenTheDeprecatedPropertyConnectsThereInsteadOfLocalhost() {
        String database = "legacy_uri_" + new ObjectId();
        String uri = EmbeddedMongoServer.connectionString() + database;
        try (ConfigurableApplicationContext context = application("--spring.data.mongodb.uri=" + uri)) {
            assertThatApplicationUses(context, uri, database);
        }
    }

    private static ConfigurableApplicationContext application(String... args) {
        return new SpringApplicationBuilder(MongoOnly.class).web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .run(args);
    }

    private static void assertThatApplicationUses(ConfigurableApplicationContext context, String uri, String database) {
        assertThat(context.getBeansOfType(EmbeddedMongoConnectionDetails.class)).isEmpty();
        assertThat(context.getBean(MongoConnectionDetails.class).getConnectionString().getConnectionString())
            .isEqualTo(uri);
        MongoCollection<Document> collection = context.getBean(MongoClient.class)
            .getDatabase(database)
            .getCollection("mapped");
        collection.insertOne(new Document("_id", 1));
        assertThat(collection.countDocuments()).isEqualTo(1);
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        // independent of the machine's own environment variables and system properties
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }

    private static Log recordingLog(List<String> warnings) {
        return (Log) Proxy.newProxyInstance(Log.class.getClassLoader(), new Class<?>[] { Log.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("warn")) {
                        warnings.add(String.valueOf(args[0]));
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    }

    /** Just Boot's MongoDB client and dualwrite's embedded default, nothing else. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ EmbeddedMongoAutoConfiguration.class, MongoAutoConfiguration.class })
    static class MongoOnly {
    }
}
