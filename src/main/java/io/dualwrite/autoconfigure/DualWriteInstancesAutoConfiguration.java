package io.dualwrite.autoconfigure;

import java.time.Clock;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.instances.InstanceHeartbeat;
import io.dualwrite.instances.InstanceRegistry;
import io.dualwrite.instances.LocalInstance;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.toggle.TogglzPhaseSource;
import org.bson.Document;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.util.StringUtils;

/**
 * The instance registry. The reading side ({@link InstanceRegistry}: which instances are live and the phase each acts
 * on) is always there; this process registers itself (a {@link LocalInstance} and its {@link InstanceHeartbeat})
 * unless {@code dualwrite.instances.enabled=false}, which suits processes that serve no traffic, such as a
 * command-line copier. Every bean backs off when the application declares its own.
 */
@AutoConfiguration(
        after = { DualWriteAutoConfiguration.class, DualWriteTogglzAutoConfiguration.class },
        afterName = "org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean(MongoDatabaseFactory.class)
@EnableConfigurationProperties(DualWriteProperties.class)
public class DualWriteInstancesAutoConfiguration {

    /** The registry; it registers this process when a {@link LocalInstance} bean exists, else it only reads. */
    @Bean
    @ConditionalOnMissingBean
    InstanceRegistry dualwriteInstanceRegistry(MongoDatabaseFactory databaseFactory, DualWriteProperties properties,
            Clock clock, ObjectProvider<LocalInstance> localInstance) {
        DualWriteProperties.Instances instances = properties.getInstances();
        return new InstanceRegistry(
                databaseFactory.getMongoDatabase().getCollection(instances.getCollection(), Document.class), clock,
                instances.getTtl(), localInstance.getIfAvailable());
    }

    /** This process as a registered instance: its identity, and the heartbeat that keeps it live. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "dualwrite.instances.enabled", matchIfMissing = true)
    static class RegistrationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        LocalInstance dualwriteLocalInstance(DualWriteProperties properties, Environment environment,
                ObjectProvider<BuildProperties> buildProperties, MigrationRegistry migrations, PhaseSource phaseSource,
                Clock clock) {
            DualWriteProperties.Instances instances = properties.getInstances();
            String host = LocalInstance.defaultHost();
            String id = StringUtils.hasText(instances.getId()) ? instances.getId().trim()
                    : LocalInstance.defaultId(host);
            return new LocalInstance(id, host, applicationVersion(instances, environment, buildProperties),
                    clock.instant(), migrations, phaseSource);
        }

        /** Heartbeats from context start to stop; with the Togglz phase source, also right after a phase change. */
        @Bean
        @ConditionalOnMissingBean
        InstanceHeartbeat dualwriteInstanceHeartbeat(InstanceRegistry registry, DualWriteProperties properties,
                Clock clock, ObjectProvider<PhaseSource> phaseSource) {
            if (registry.localInstance().isEmpty()) {
                throw new IllegalStateException("The InstanceRegistry bean has no LocalInstance, so this process "
                        + "cannot register itself; give it one, or set dualwrite.instances.enabled=false");
            }
            DualWriteProperties.Instances instances = properties.getInstances();
            InstanceHeartbeat heartbeat = new InstanceHeartbeat(registry, clock, instances.getHeartbeatInterval(),
                    instances.getRetention());
            if (phaseSource.getIfUnique() instanceof TogglzPhaseSource togglz) {
                togglz.addListener(heartbeat);
            }
            return heartbeat;
        }

        /** dualwrite.instances.application-version, else spring.application.version, else the build info, else unknown. */
        private static String applicationVersion(DualWriteProperties.Instances instances, Environment environment,
                ObjectProvider<BuildProperties> buildProperties) {
            if (StringUtils.hasText(instances.getApplicationVersion())) {
                return instances.getApplicationVersion();
            }
            String version = environment.getProperty("spring.application.version");
            if (StringUtils.hasText(version)) {
                return version;
            }
            BuildProperties build = buildProperties.getIfAvailable();
            if (build != null && StringUtils.hasText(build.getVersion())) {
                return build.getVersion();
            }
            return "unknown";
        }
    }
}
