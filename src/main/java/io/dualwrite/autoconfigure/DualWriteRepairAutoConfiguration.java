package io.dualwrite.autoconfigure;

import java.time.Clock;

import org.bson.Document;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.MongoDatabaseFactory;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.repair.RepairLoop;
import io.dualwrite.repair.RepairMetrics;
import io.dualwrite.repair.RepairSettings;
import io.dualwrite.repair.Repairs;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The repair job ({@code dualwrite.repair.*}): the {@link Repairs} API always, the background {@link RepairLoop}
 * unless {@code dualwrite.repair.enabled=false}, and Micrometer meters when a {@link MeterRegistry} is present.
 */
@AutoConfiguration(after = { DualWriteAutoConfiguration.class, DualWriteInstancesAutoConfiguration.class },
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean(PhasedStores.class)
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteRepairAutoConfiguration {

    /** Leases are taken in the name of this instance, or of a process id when this process is no instance. */
    @Bean
    @ConditionalOnMissingBean
    Repairs dualwriteRepairs(MigrationRegistry registry, PhasedStores stores, MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties, Clock clock, ObjectProvider<LocalInstance> localInstance,
            ObjectProvider<RepairMetrics> metrics) {
        LocalInstance instance = localInstance.getIfUnique();
        String owner = instance != null ? instance.id() : LocalInstance.defaultId(LocalInstance.defaultHost());
        return new Repairs(registry, stores, databaseFactory.getMongoDatabase()
                .getCollection(properties.getCollections().getRepairs(), Document.class), clock,
                settings(properties.getRepair()), owner, metrics.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "dualwrite.repair.enabled", matchIfMissing = true)
    RepairLoop dualwriteRepairLoop(Repairs repairs, DualWriteProperties properties) {
        return new RepairLoop(repairs, properties.getRepair().getInterval());
    }

    static RepairSettings settings(DualWriteProperties.Repair repair) {
        return new RepairSettings(repair.getInterval(), repair.getDelay(), repair.getBatchSize(),
                repair.getMaxBackoff(), repair.getLeaseTtl());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean
        RepairMetrics dualwriteRepairMetrics(MeterRegistry registry) {
            return new RepairMetrics(registry);
        }
    }
}
