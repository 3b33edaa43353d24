package io.dualwrite.autoconfigure;

import java.util.concurrent.atomic.AtomicBoolean;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import de.bwaldvogel.mongo.MongoServer;
import io.dualwrite.embedded.EmbeddedMongoServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Points Spring Boot's MongoDB client at the JVM's {@link EmbeddedMongoServer} when no MongoDB is configured.
 * <p>
 * Applies when {@code dualwrite.enabled} and {@code dualwrite.embedded.enabled} are not {@code false}, neither
 * {@code spring.mongodb.uri} nor {@code spring.mongodb.host} is set (see also
 * {@link io.dualwrite.embedded.MongoUriEnvironmentPostProcessor}, which maps {@code MONGODB_URI}), and no
 * {@link MongoConnectionDetails} bean exists (Testcontainers' {@code @ServiceConnection} and Docker Compose provide
 * one). It then contributes the {@link MongoConnectionDetails} that Boot's {@link MongoAutoConfiguration} builds its
 * client from. The database is {@code spring.mongodb.database} if set, else {@code dualwrite.embedded.database}.
 */
@AutoConfiguration(before = MongoAutoConfiguration.class,
        afterName = "org.springframework.boot.testcontainers.service.connection.ServiceConnectionAutoConfiguration")
@ConditionalOnClass({ MongoClient.class, MongoServer.class, MongoConnectionDetails.class })
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "dualwrite.embedded.enabled", matchIfMissing = true)
@Conditional(EmbeddedMongoAutoConfiguration.NoMongoServerConfiguredCondition.class)
@EnableConfigurationProperties(DualWriteProperties.class)
public class EmbeddedMongoAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedMongoAutoConfiguration.class);

    private static final AtomicBoolean announced = new AtomicBoolean();

    /**
     * Connection details of the embedded server, starting it if this JVM has not yet.
     *
     * @param properties dualwrite's properties (embedded database name)
     * @param environment to read {@code spring.mongodb.database}
     * @return details pointing at {@code mongodb://127.0.0.1:PORT/DATABASE}
     */
    @Bean
    @ConditionalOnMissingBean(MongoConnectionDetails.class)
    EmbeddedMongoConnectionDetails embeddedMongoConnectionDetails(DualWriteProperties properties,
            Environment environment) {
        String database = environment.getProperty("spring.mongodb.database");
        if (!StringUtils.hasText(database)) {
            database = properties.getEmbedded().getDatabase();
        }
        if (!StringUtils.hasText(database)) {
            throw new IllegalStateException("dualwrite.embedded.database is empty: set it (or spring.mongodb.database)"
                    + " to the database name to use on the embedded MongoDB server");
        }
        ConnectionString connectionString = new ConnectionString(EmbeddedMongoServer.connectionString() + database);
        if (announced.compareAndSet(false, true)) {
            log.info("No MongoDB configured: using the embedded in-memory MongoDB server on 127.0.0.1:{} "
                    + "(database '{}'; data is lost when the JVM stops). Set spring.mongodb.uri to use a real MongoDB.",
                    EmbeddedMongoServer.port(), database);
        }
        else {
            log.debug("Using the embedded MongoDB server at {}", connectionString);
        }
        return new EmbeddedMongoConnectionDetails(connectionString);
    }

    /**
     * The connection details of the embedded server.
     *
     * @param connectionString {@code mongodb://127.0.0.1:PORT/DATABASE}
     */
    public record EmbeddedMongoConnectionDetails(ConnectionString connectionString) implements MongoConnectionDetails {

        @Override
        public ConnectionString getConnectionString() {
            return connectionString;
        }
    }

    /** Matches when neither {@code spring.mongodb.uri} nor {@code spring.mongodb.host} is set. */
    static final class NoMongoServerConfiguredCondition extends SpringBootCondition {

        private static final String[] PROPERTIES = { "spring.mongodb.uri", "spring.mongodb.host" };

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConditionMessage.Builder message = ConditionMessage.forCondition("Embedded MongoDB");
            for (String property : PROPERTIES) {
                if (StringUtils.hasText(context.getEnvironment().getProperty(property))) {
                    return ConditionOutcome.noMatch(message.found("property").items(property));
                }
            }
            return ConditionOutcome.match(message.didNotFind("property").items((Object[]) PROPERTIES));
        }
    }
}
