package io.dualwrite.autoconfigure;

import java.time.Clock;

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
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobEngine;
import io.dualwrite.copier.JobListener;
import io.dualwrite.copier.JobMetrics;
import io.dualwrite.copier.JobOptions;
import io.dualwrite.copier.JobSettings;
import io.dualwrite.copier.JobStore;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Sleeper;
import io.dualwrite.copier.StartCondition;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.copier.Verifier;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LiveCheck;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.spi.PhaseSource;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The copier and the verifier, and their reverse counterparts for a rollback from {@code READ_NEW_WRITE_NEW}
 * ({@code dualwrite.copier.*}, shared): their job engine and store, with Micrometer meters when a
 * {@link MeterRegistry} is present.
 */
@AutoConfiguration(after = { DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class,
        DualWriteInstancesAutoConfiguration.class },
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean({ PhasedStores.class, PhaseSource.class })
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteCopierAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    JobStore dualwriteJobStore(MongoDatabaseFactory databaseFactory, DualWriteProperties properties) {
        DualWriteProperties.Collections collections = properties.getCollections();
        return new JobStore(databaseFactory.getMongoDatabase(), collections.getJobs(),
                collections.getJobPartitions(), collections.getDeadLetters());
    }

    /** A copy run records whether every live instance of the registry wrote both shapes when it started. */
    @Bean
    @ConditionalOnBean(InstanceRegistry.class)
    @ConditionalOnMissingBean
    StartCondition.Check dualwriteStartCondition(InstanceRegistry registry) {
        return migrationId -> {
            LiveCheck check = registry.everyLiveInstanceWritingBoth(migrationId);
            return new StartCondition(check.satisfied(), check.describe());
        };
    }

    @Bean
    @ConditionalOnMissingBean
    Sleeper dualwriteSleeper() {
        return Sleeper.THREAD;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    JobEngine dualwriteJobEngine(PhasedStores stores, JobStore store, PhaseSource phaseSource,
            ObjectProvider<StartCondition.Check> instances, DualWriteProperties properties, Clock clock,
            Sleeper sleeper, ObjectProvider<JobListener> listeners, ObjectProvider<JobMetrics> metrics,
            UnrepairedWrites unrepaired) {
        DualWriteProperties.Copier copier = properties.getCopier();
        JobSettings settings = new JobSettings(copier.getLeaseTtl(), copier.getPollInterval(),
                copier.getLogInterval(), copier.getMaxExamples(), 5);
        StartCondition.Check check = instances.getIfAvailable(() -> migrationId -> new StartCondition(true,
                "no instance registry is configured, so only the shared phase was checked"));
        return new JobEngine(stores, store, phaseSource, check, unrepaired::count, clock, sleeper, settings, listeners.orderedStream().toList(), metrics.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    Copier dualwriteCopier(JobEngine engine, MigrationRegistry registry, DualWriteProperties properties,
            Clock clock) {
        return new Copier(engine, registry, defaults(properties), clock);
    }

    @Bean
    @ConditionalOnMissingBean
    Verifier dualwriteVerifier(JobEngine engine, MigrationRegistry registry, DualWriteProperties properties,
            Clock clock) {
        return new Verifier(engine, registry, defaults(properties), clock);
    }

    @Bean
    @ConditionalOnMissingBean
    ReverseCopier dualwriteReverseCopier(JobEngine engine, MigrationRegistry registry, DualWriteProperties properties,
            Clock clock) {
        return new ReverseCopier(engine, registry, defaults(properties), clock);
    }

    @Bean
    @ConditionalOnMissingBean
    ReverseVerifier dualwriteReverseVerifier(JobEngine engine, MigrationRegistry registry,
            DualWriteProperties properties, Clock clock) {
        return new ReverseVerifier(engine, registry, defaults(properties), clock);
    }

    private static JobOptions defaults(DualWriteProperties properties) {
        DualWriteProperties.Copier copier = properties.getCopier();
        return new JobOptions(copier.getWorkers(), copier.getBatchSize(), copier.getPartitions(), copier.getRate());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean
        JobMetrics dualwriteJobMetrics(MeterRegistry registry) {
            return new JobMetrics(registry);
        }
    }
}
