package io.dualwrite.autoconfigure;

import java.time.Clock;

import org.bson.Document;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.data.mongodb.core.convert.MongoConverter;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;

import com.mongodb.client.MongoDatabase;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.actuate.DualWriteCleanupEndpoint;
import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.cleanup.CleanupHistory;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.toggle.PhaseToggles;

/**
 * Cleanup of the old shape ({@code dualwrite.cleanup.*}): the {@link Cleanup} bean and the record of executed cleanups
 * ({@link CleanupHistory}), and the Actuator endpoint
 * {@code dualwritecleanup} ({@link DualWriteCleanupEndpoint}) when Actuator is on the classpath and the endpoint is
 * available (expose it with {@code management.endpoints.web.exposure.include}); its paths are behind dualwrite's admin
 * login ({@link DualWriteSecurityAutoConfiguration}). Without the shared phase toggles or the instance registry the
 * bean is still there, and refuses every cleanup saying which one is missing.
 */
@AutoConfiguration(after = { DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class,
        DualWriteInstancesAutoConfiguration.class })
@ConditionalOnBooleanProperty(name = { "dualwrite.enabled", "dualwrite.cleanup.enabled" }, matchIfMissing = true)
@ConditionalOnBean(PhasedStores.class)
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteCleanupAutoConfiguration {

    /** The record of executed cleanups; what the phase guard and the status page ask whether the old shape is gone. */
    @Bean
    @ConditionalOnMissingBean
    CleanupHistory dualwriteCleanupHistory(MigrationRegistry registry, MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties) {
        return new CleanupHistory(registry, databaseFactory.getMongoDatabase()
                .getCollection(properties.getCleanup().getCollection(), Document.class));
    }

    @Bean
    @ConditionalOnMissingBean
    Cleanup dualwriteCleanup(MigrationRegistry registry, PhasedStores stores, MongoDatabaseFactory databaseFactory,
            MongoConverter converter, ObjectProvider<PhaseToggles> toggles, ObjectProvider<InstanceRegistry> instances,
            CleanupHistory history, Clock clock) {
        MongoDatabase database = databaseFactory.getMongoDatabase();
        return new Cleanup(registry, stores, database, (MongoMappingContext) converter.getMappingContext(),
                toggles.getIfAvailable(), instances.getIfAvailable(), history, clock);
    }

    /** The {@code dualwritecleanup} endpoint. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnAvailableEndpoint(DualWriteCleanupEndpoint.class)
    static class Endpoint {

        @Bean
        @ConditionalOnMissingBean
        DualWriteCleanupEndpoint dualWriteCleanupEndpoint(MigrationRegistry registry, Cleanup cleanup) {
            return new DualWriteCleanupEndpoint(registry, cleanup);
        }
    }
}
