package io.dualwrite.autoconfigure;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.bson.Document;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.mongodb.MongoDatabaseFactory;

import io.micrometer.core.instrument.MeterRegistry;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.actuate.DualWriteEndpoint;
import io.dualwrite.actuate.DualWriteHealthContributor;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.Verifier;
import io.dualwrite.guard.PhaseGuard;
import io.dualwrite.guard.UnrepairedWrites;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.metrics.MigrationGauges;
import io.dualwrite.metrics.ShapeTrafficMeters;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.guard.RepairRecords;
import io.dualwrite.status.StatusContributor;
import io.dualwrite.status.StatusService;
import io.dualwrite.status.StatusSnapshots;
import io.dualwrite.toggle.PhaseHistory;
import io.dualwrite.toggle.PhaseHistory.AcceptedPhase;
import io.dualwrite.toggle.PhaseToggles;
import io.dualwrite.toggle.TogglzPhaseSource;
import io.dualwrite.web.StatusPageController;

/**
 * The operations surface ({@code dualwrite.status.*}): the {@link StatusService} behind the Actuator endpoint
 * {@code dualwrite} ({@link DualWriteEndpoint}) and the status page ({@link StatusPageController}, at
 * {@code /dualwrite/status}); the health contribution {@code dualwrite} ({@link DualWriteHealthContributor},
 * {@code management.health.dualwrite.enabled}); and Micrometer meters ({@link ShapeTrafficMeters},
 * {@link MigrationGauges}) when a {@link MeterRegistry} exists. The health and the gauges read the database through
 * one clock-cached {@link StatusSnapshots}.
 * <p>
 * Every other part is optional and looked up lazily: without a copier, an instance registry or the phase guard, their
 * parts of the status are left out. Unrepaired second writes are counted by the application's {@link UnrepairedWrites}
 * bean when there is one (the repair job's), else from the {@code dualwrite_repairs} records. Optional sections come
 * from {@link StatusContributor} beans. Every bean backs off when the application declares its own.
 */
@AutoConfiguration(
        after = { DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class,
                DualWriteInstancesAutoConfiguration.class, DualWriteCopierAutoConfiguration.class },
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean({ MigrationRegistry.class, PhaseSource.class, MongoDatabaseFactory.class })
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteStatusAutoConfiguration {

    /** The status of each migration and the operator's requests, for the endpoint and the page. */
    @Bean
    @ConditionalOnMissingBean
    StatusService dualwriteStatusService(MigrationRegistry registry, PhaseSource phaseSource, Clock clock,
            DualWriteProperties properties, ObjectProvider<PhaseGuard> guard, ObjectProvider<PhaseToggles> toggles,
            ObjectProvider<PhaseHistory> history, ObjectProvider<InstanceRegistry> instances,
            ObjectProvider<Copier> copier, ObjectProvider<Verifier> verifier,
            ObjectProvider<UnrepairedWrites> unrepaired, ObjectProvider<StatusContributor> contributors,
            MongoDatabaseFactory databaseFactory) {
        return StatusService.builder(registry, phaseSource, clock)
                .togglz(phaseSource instanceof TogglzPhaseSource togglz ? togglz : null)
                .guard(guard.getIfAvailable())
                .toggles(toggles.getIfAvailable())
                .history(history.getIfAvailable())
                .instances(instances.getIfAvailable())
                .copier(copier.getIfAvailable())
                .verifier(verifier.getIfAvailable())
                .unrepaired(unrepairedWrites(unrepaired, databaseFactory, properties))
                .contributors(contributors.orderedStream().toList())
                .auditEntries(properties.getStatus().getAuditEntries())
                .build();
    }

    /**
     * What the health and the gauges read from MongoDB, reused for {@code dualwrite.status.cache-ttl}. Its sources are
     * looked up at each refresh, so that it can be created early (the meter registry binds the gauges).
     */
    @Bean
    @ConditionalOnMissingBean
    StatusSnapshots dualwriteStatusSnapshots(MigrationRegistry registry, Clock clock, DualWriteProperties properties,
            ObjectProvider<InstanceRegistry> instances, ObjectProvider<Verifier> verifier,
            ObjectProvider<PhaseHistory> history, ObjectProvider<UnrepairedWrites> unrepaired,
            MongoDatabaseFactory databaseFactory) {
        Function<String, Optional<JobRun>> latestVerification = id -> {
            Verifier current = verifier.getIfAvailable();
            return current == null ? Optional.empty() : current.latestFinished(id);
        };
        return new StatusSnapshots(registry, () -> {
                    InstanceRegistry current = instances.getIfAvailable();
                    return current == null ? null : current.liveInstances();
                },
                id -> unrepairedWrites(unrepaired, databaseFactory, properties).count(id), latestVerification,
                ids -> {
                    PhaseHistory phases = history.getIfAvailable();
                    Map<String, Phase> shared = new HashMap<>();
                    if (phases != null) {
                        for (AcceptedPhase accepted : phases.accepted(ids).values()) {
                            if (accepted.phase() != null) {
                                shared.put(accepted.migrationId(), accepted.phase());
                            }
                        }
                    }
                    return shared;
                }, clock, properties.getStatus().getCacheTtl());
    }

    private static UnrepairedWrites unrepairedWrites(ObjectProvider<UnrepairedWrites> declared,
            MongoDatabaseFactory databaseFactory, DualWriteProperties properties) {
        return declared.getIfAvailable(() -> new RepairRecords(databaseFactory.getMongoDatabase()
                .getCollection(properties.getCollections().getRepairs(), Document.class)));
    }

    /** Reads and writes per shape, failed second writes, and the gauges of each migration. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static class Metrics {

        /** Handed to the phased stores, which resolve one set of counters per migration when they are built. */
        @Bean
        @ConditionalOnMissingBean
        ShapeTrafficMeters dualwriteShapeTrafficMeters(MeterRegistry registry) {
            return new ShapeTrafficMeters(registry);
        }

        /** Bound to the meter registry by Spring Boot (a MeterBinder bean). */
        @Bean
        @ConditionalOnMissingBean
        MigrationGauges dualwriteMigrationGauges(MigrationRegistry registry, ObjectProvider<PhaseSource> phaseSource,
                StatusSnapshots snapshots) {
            return new MigrationGauges(registry, id -> phaseSource.getObject().currentPhase(id), snapshots);
        }
    }

    /** {@code /actuator/health/dualwrite/<migration>}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
    @ConditionalOnEnabledHealthIndicator("dualwrite")
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "dualwriteHealthContributor")
        DualWriteHealthContributor dualwriteHealthContributor(MigrationRegistry registry,
                ObjectProvider<PhaseSource> phaseSource, StatusSnapshots snapshots) {
            return new DualWriteHealthContributor(registry, id -> phaseSource.getObject().currentPhase(id),
                    id -> phaseSource.getObject() instanceof TogglzPhaseSource togglz ? togglz.conflicts().get(id)
                            : null,
                    snapshots);
        }
    }

    /** The Actuator endpoint {@code dualwrite}, behind the admin login (expose it to use it). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnAvailableEndpoint(DualWriteEndpoint.class)
    static class Endpoint {

        @Bean
        @ConditionalOnMissingBean
        DualWriteEndpoint dualWriteEndpoint(StatusService status) {
            return new DualWriteEndpoint(status);
        }
    }

    /** The status page, {@code /dualwrite/status}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.thymeleaf.spring6.SpringTemplateEngine")
    @ConditionalOnBooleanProperty(name = "dualwrite.status.page-enabled", matchIfMissing = true)
    static class Page {

        @Bean
        @ConditionalOnMissingBean
        StatusPageController dualwriteStatusPageController(StatusService status, Clock clock,
                Environment environment) {
            return new StatusPageController(status, clock, DualWriteSecurityAutoConfiguration.consolePath(environment));
        }
    }
}
