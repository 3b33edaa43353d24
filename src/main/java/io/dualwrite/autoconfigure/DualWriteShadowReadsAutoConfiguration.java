package io.dualwrite.autoconfigure;

import java.time.Clock;
import java.util.Collection;
import java.util.List;

import org.bson.Document;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.spi.FeatureProvider;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.shadow.SampleRateSource;
import io.dualwrite.shadow.ShadowMismatchPublisher;
import io.dualwrite.shadow.ShadowMismatchStore;
import io.dualwrite.shadow.ShadowReadFeatureProvider;
import io.dualwrite.shadow.ShadowReadSettings;
import io.dualwrite.shadow.ShadowReads;
import io.dualwrite.shadow.TogglzSampleRates;
import io.dualwrite.toggle.ToggleSeeder;
import io.dualwrite.toggle.ValidatingStateRepository;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Shadow reads ({@code dualwrite.shadow-reads.*}): {@link ShadowReads} observes every phased store's reads, with its
 * rate per migration in a Togglz feature {@code <id>.shadow-reads} next to the phase toggle (listed in the console
 * by wrapping the application's {@link FeatureProvider}), mismatches recorded in MongoDB and counted in Micrometer
 * when a {@link MeterRegistry} is present. Without Togglz's state repository the rates are kept in each instance's
 * memory. Off with {@code dualwrite.shadow-reads.enabled=false}.
 */
@AutoConfiguration(after = { DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class,
        DualWriteInstancesAutoConfiguration.class },
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "dualwrite.shadow-reads.enabled", matchIfMissing = true)
@ConditionalOnBean({ PhasedStores.class, MigrationRegistry.class })
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteShadowReadsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ShadowMismatchStore dualwriteShadowMismatchStore(MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties, Clock clock) {
        DualWriteProperties.ShadowReads shadow = properties.getShadowReads();
        return new ShadowMismatchStore(databaseFactory.getMongoDatabase().getCollection(shadow.getCollection(),
                Document.class), clock, shadow.getRetention(), shadow.getMaxRecords());
    }

    /** Without Togglz's shared state: each instance keeps its rates in memory. */
    @Bean
    @ConditionalOnMissingBean
    SampleRateSource dualwriteLocalShadowSampleRates() {
        return SampleRateSource.inMemory();
    }

    @Bean
    @ConditionalOnMissingBean
    ShadowReads shadowReads(MigrationRegistry registry, PhasedStores stores, SampleRateSource rates,
            ShadowMismatchStore mismatchStore, ObjectProvider<ShadowMismatchPublisher> publishers,
            DualWriteProperties properties, Clock clock, ObjectProvider<MeterRegistry> meterRegistry,
            ObjectProvider<LocalInstance> instance) {
        LocalInstance local = instance.getIfAvailable();
        return new ShadowReads(registry, stores, rates, mismatchStore, publishers.orderedStream().toList(),
                settings(properties), clock, meterRegistry.getIfAvailable(), local == null ? null : local.id());
    }

    static ShadowReadSettings settings(DualWriteProperties properties) {
        DualWriteProperties.ShadowReads shadow = properties.getShadowReads();
        DualWriteProperties.Toggles toggles = properties.getToggles();
        return new ShadowReadSettings(shadow.getSampleRate(), shadow.getThreads(), shadow.getQueueCapacity(),
                shadow.getRecheckDelay(), shadow.getMaxDocumentsPerRead(), toggles.getMaxStaleness().dividedBy(2),
                toggles.isPollInBackground());
    }

    /** The rates in the shared Togglz state repository, and the rate features in the console. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ FeatureProvider.class, StateRepository.class })
    static class Togglz {

        @Bean
        @ConditionalOnBean(StateRepository.class)
        @ConditionalOnMissingBean
        SampleRateSource dualwriteTogglzShadowSampleRates(StateRepository repository,
                ObjectProvider<FeatureManager> featureManager, MongoDatabaseFactory databaseFactory,
                DualWriteProperties properties, ObjectProvider<ToggleSeeder> seeder) {
            seeder.getIfAvailable(); // created first: the toggle collection has its unique index on the feature name
            return new TogglzSampleRates(repository, featureManager, repository instanceof ValidatingStateRepository
                    ? databaseFactory.getMongoDatabase().getCollection(properties.getToggles().getCollection(),
                            Document.class)
                    : null);
        }

        /** Adds the rate features to the application's feature provider, so the console lists them. */
        @Bean
        static BeanPostProcessor dualwriteShadowReadFeatures(ObjectProvider<MigrationRegistry> registry,
                Environment environment) {
            return new BeanPostProcessor() {

                @Override
                public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
                    if (!(bean instanceof FeatureProvider provider) || bean instanceof ShadowReadFeatureProvider) {
                        return bean;
                    }
                    double defaultRate = Binder.get(environment).bind("dualwrite.shadow-reads.sample-rate",
                            Double.class).orElse(new DualWriteProperties.ShadowReads().getSampleRate());
                    return new ShadowReadFeatureProvider(provider, () -> ids(registry), defaultRate);
                }
            };
        }

        private static Collection<String> ids(ObjectProvider<MigrationRegistry> registry) {
            MigrationRegistry migrations = registry.getIfAvailable();
            return migrations == null ? List.of() : migrations.ids();
        }
    }
}
