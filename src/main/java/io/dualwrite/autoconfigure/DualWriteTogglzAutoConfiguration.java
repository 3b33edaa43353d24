package io.dualwrite.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.cleanup.CleanupHistory;
import io.dualwrite.copier.JobStore;
import io.dualwrite.guard.PhaseGuard;
import io.dualwrite.guard.RepairRecords;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.ConsoleRefusalFilter;
import io.dualwrite.toggle.MigrationFeatureProvider;
import io.dualwrite.toggle.PhaseActivationStrategy;
import io.dualwrite.toggle.PhaseChangeValidator;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseToggleStates;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.ToggleSeeder;
import io.dualwrite.toggle.TogglzPhaseSource;
import io.dualwrite.toggle.ValidatingStateRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.togglz.core.manager.EnumBasedFeatureProvider;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.manager.PropertyFeatureProvider;
import org.togglz.core.manager.CompositeFeatureProvider;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.spi.FeatureProvider;
import org.togglz.core.util.NamedFeature;
import org.togglz.mongodb.MongoStateRepository;
import org.togglz.spring.boot.actuate.autoconfigure.TogglzProperties;

/**
 * The shared phase toggles: one Togglz feature per declared migration, stored in MongoDB, seeded from
 * {@code toggles/<environment>.properties}, read by every instance into memory ({@link TogglzPhaseSource}, the
 * application's {@link PhaseSource}).
 * <p>
 * Runs before Togglz's own auto-configuration so that Togglz's {@code FeatureManager} (and its console) uses the
 * {@link MigrationFeatureProvider}, the {@link PhaseActivationStrategy} and the {@link ValidatingStateRepository}
 * declared here. Every bean backs off when the application declares its own.
 */
@AutoConfiguration(
        afterName = { "org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration",
                "org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration",
                "io.dualwrite.autoconfigure.EmbeddedMongoAutoConfiguration",
                "io.dualwrite.autoconfigure.DualWriteAutoConfiguration" },
        beforeName = { "org.togglz.spring.boot.actuate.autoconfigure.TogglzAutoConfiguration",
                "io.dualwrite.autoconfigure.PhasedRepositoriesAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnClass({ FeatureProvider.class, MongoStateRepository.class, MongoClient.class })
@ConditionalOnBean({ MongoClient.class, MongoDatabaseFactory.class, MigrationRegistry.class })
@EnableConfigurationProperties({ DualWriteProperties.class, TogglzProperties.class })
public class DualWriteTogglzAutoConfiguration {

    /** The "Migration phase" activation strategy; Togglz picks up every ActivationStrategy bean. */
    @Bean
    @ConditionalOnMissingBean
    PhaseActivationStrategy phaseActivationStrategy() {
        return new PhaseActivationStrategy();
    }

    /** The migration toggles, followed by the application's own Togglz features (enums, togglz.features.*). */
    @Bean
    @ConditionalOnMissingBean(FeatureProvider.class)
    MigrationFeatureProvider migrationFeatureProvider(MigrationRegistry registry, TogglzProperties togglz) {
        List<FeatureProvider> others = new ArrayList<>();
        if (togglz.getFeatureEnums() != null && togglz.getFeatureEnums().length > 0) {
            others.add(new EnumBasedFeatureProvider(togglz.getFeatureEnums()));
        }
        if (togglz.getFeatures() != null && !togglz.getFeatures().isEmpty()) {
            others.add(new PropertyFeatureProvider(togglz.getFeatureProperties()));
        }
        FeatureProvider other = others.isEmpty() ? null
                : others.size() == 1 ? others.get(0) : new CompositeFeatureProvider(others);
        return new MigrationFeatureProvider(registry, other);
    }

    /** The accepted phase of each migration (changed by compare-and-set) and the audit log of every request. */
    @Bean
    @ConditionalOnMissingBean
    PhaseHistory dualwritePhaseHistory(MongoDatabaseFactory databaseFactory, DualWriteProperties properties,
            Clock clock) {
        MongoDatabase database = databaseFactory.getMongoDatabase().withWriteConcern(WriteConcern.MAJORITY);
        DualWriteProperties.Guard guard = properties.getGuard();
        return new PhaseHistory(database.getCollection(guard.getPhasesCollection()),
                database.getCollection(guard.getAuditCollection()), clock);
    }

    /**
     * The transition rules, fed with the recorded progress; the copier's job store and the instance registry are
     * looked up at each check (either may be absent).
     */
    @Bean
    @ConditionalOnMissingBean
    PhaseGuard dualwritePhaseGuard(MigrationRegistry registry, PhaseHistory history, ObjectProvider<JobStore> jobs,
            ObjectProvider<InstanceRegistry> instances, ObjectProvider<UnrepairedWrites> unrepaired,
            MongoDatabaseFactory databaseFactory, DualWriteProperties properties,
            ObjectProvider<StateRepository> states, ObjectProvider<CleanupHistory> cleanups) {
        RepairRecords records = new RepairRecords(databaseFactory.getMongoDatabase()
                .getCollection(properties.getCollections().getRepairs()));
        // looked up at each check, falling back to the records when no bean counts them (a context without
        // DualWriteAutoConfiguration)
        UnrepairedWrites pending = migrationId -> unrepaired.getIfAvailable(() -> records).count(migrationId);
        return new PhaseGuard(registry, history, jobs::getIfAvailable, instances::getIfAvailable, pending,
                migrationId -> {
                    CleanupHistory cleanup = cleanups.getIfAvailable();
                    return cleanup != null && cleanup.isCleanedUp(migrationId);
                },
                migrationId -> Optional.ofNullable(PhaseToggleStates
                        .read(states.getObject().getFeatureState(new NamedFeature(migrationId))).phase()));
    }

    /** The guard checks every phase change unless dualwrite.guard.enabled=false. */
    @Bean
    @ConditionalOnMissingBean
    PhaseChangeValidator phaseChangeValidator(DualWriteProperties properties, PhaseGuard guard) {
        return properties.getGuard().isEnabled() ? guard::validate : PhaseChangeValidator.ALLOW_ALL;
    }

    /** The shared toggle states in MongoDB, behind the phase guard for migration toggles; no cache in front. */
    @Bean
    @ConditionalOnMissingBean(StateRepository.class)
    ValidatingStateRepository dualwriteStateRepository(MongoClient mongoClient, MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties, MigrationRegistry registry, PhaseChangeValidator validator,
            PhaseHistory history, Environment environment) {
        checkTogglzCache(environment, properties.getToggles().getMaxStaleness());
        MongoStateRepository mongo = MongoStateRepository
                .newBuilder(mongoClient, databaseFactory.getMongoDatabase().getName())
                .collection(properties.getToggles().getCollection())
                .writeConcern(WriteConcern.MAJORITY)
                .build();
        return new ValidatingStateRepository(mongo, registry, validator, history);
    }

    /** Inserts the missing states from toggles/&lt;environment&gt;.properties when it is created. */
    @Bean
    @ConditionalOnMissingBean
    ToggleSeeder toggleSeeder(MigrationRegistry registry, MongoDatabaseFactory databaseFactory,
            DualWriteProperties properties, ResourceLoader resourceLoader) {
        DualWriteProperties.Toggles toggles = properties.getToggles();
        return new ToggleSeeder(registry, databaseFactory.getMongoDatabase(), toggles.getCollection(), resourceLoader,
                toggles.getLocations(), toggles.getEnvironment());
    }

    /** The phase each migration is in on this instance, loaded after seeding and refreshed in the background. */
    @Bean
    @ConditionalOnMissingBean(PhaseSource.class)
    TogglzPhaseSource togglzPhaseSource(MigrationRegistry registry, StateRepository stateRepository, Clock clock,
            DualWriteProperties properties, ObjectProvider<ToggleSeeder> seeder, PhaseHistory history) {
        seeder.getIfAvailable(); // created (and so seeded) first: every migration has a state to load
        DualWriteProperties.Toggles toggles = properties.getToggles();
        return new TogglzPhaseSource(registry, stateRepository, clock, toggles.getMaxStaleness(),
                toggles.isPollInBackground(), history);
    }

    /** Java API for reading and changing the shared phases. */
    @Bean
    @ConditionalOnMissingBean
    PhaseToggles phaseToggles(MigrationRegistry registry, ObjectProvider<FeatureManager> featureManager,
            StateRepository stateRepository) {
        return new PhaseToggles(registry, featureManager, stateRepository);
    }

    /** Answers a refused console change with its reason (400) instead of a server error. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.togglz.console.TogglzConsoleServlet")
    static class ConsoleConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "dualwriteConsoleRefusalFilter")
        FilterRegistrationBean<ConsoleRefusalFilter> dualwriteConsoleRefusalFilter(Environment environment) {
            FilterRegistrationBean<ConsoleRefusalFilter> registration =
                    new FilterRegistrationBean<>(new ConsoleRefusalFilter());
            registration.addUrlPatterns(DualWriteSecurityAutoConfiguration.consolePath(environment) + "/*");
            registration.setOrder(0);
            return registration;
        }
    }

    /**
     * Togglz's optional cache sits in front of the shared repository for the console; refuse one that could show a
     * state older than max-staleness. (The phase an instance acts on never goes through it.)
     */
    private static void checkTogglzCache(Environment environment, Duration maxStaleness) {
        Binder binder = Binder.get(environment);
        boolean enabled = binder.bind("togglz.cache.enabled", Boolean.class).orElse(false);
        if (!enabled) {
            return;
        }
        long ttl = binder.bind("togglz.cache.time-to-live", Long.class).orElse(0L);
        TimeUnit unit = binder.bind("togglz.cache.time-unit", TimeUnit.class).orElse(TimeUnit.MILLISECONDS);
        Duration cacheTtl = Duration.ofNanos(unit.toNanos(ttl));
        if (cacheTtl.compareTo(maxStaleness) > 0) {
            throw new IllegalStateException("togglz.cache is enabled with a time-to-live of " + cacheTtl
                    + ", longer than dualwrite.toggles.max-staleness (" + maxStaleness + "): the console would show "
                    + "phases older than every instance acts on. Remove togglz.cache.enabled (the shared state is "
                    + "already read into memory by dualwrite) or lower togglz.cache.time-to-live.");
        }
    }
}
