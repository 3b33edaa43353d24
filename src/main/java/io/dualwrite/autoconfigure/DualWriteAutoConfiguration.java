package io.dualwrite.autoconfigure;

import java.time.Clock;

import org.bson.Document;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.data.mongodb.core.convert.MongoConverter;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.guard.RepairRecords;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.internal.RecordingSecondWriteFailureHandler;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.spi.SecondWriteFailureHandler;
import io.dualwrite.spi.ShapeTraffic;

/**
 * The migrations declared as beans, their stores, and the default second-write failure handler.
 */
@AutoConfiguration(after = DataMongoAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean(MongoDatabaseFactory.class)
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MigrationRegistry migrationRegistry(ObjectProvider<Migration<?>> migrations) {
        return new MigrationRegistry(migrations.orderedStream().toList());
    }

    /** The one clock of dualwrite (tombstone times, the phase poller); tests replace it with a clock they move. */
    @Bean
    @ConditionalOnMissingBean
    Clock dualwriteClock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    SecondWriteFailureHandler secondWriteFailureHandler(MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties) {
        return new RecordingSecondWriteFailureHandler(databaseFactory.getMongoDatabase()
                .getCollection(properties.getCollections().getRepairs(), Document.class));
    }

    /** Counts the failed second writes not repaired yet, for the guard, the verifier and the status. */
    @Bean
    @ConditionalOnMissingBean
    UnrepairedWrites dualwriteUnrepairedWrites(MongoDatabaseFactory databaseFactory, DualWriteProperties properties) {
        return new RepairRecords(databaseFactory.getMongoDatabase()
                .getCollection(properties.getCollections().getRepairs(), Document.class));
    }

    @Bean
    @ConditionalOnMissingBean
    PhasedStores phasedStores(MigrationRegistry registry, MongoDatabaseFactory databaseFactory,
            MongoConverter converter, PhaseSource phaseSource, SecondWriteFailureHandler failureHandler, Clock clock,
            ObjectProvider<ShapeTraffic.Factory> traffic) {
        return new PhasedStores(registry, databaseFactory, converter, phaseSource, failureHandler, clock,
                traffic.getIfUnique(() -> ShapeTraffic.Factory.NONE));
    }
}
