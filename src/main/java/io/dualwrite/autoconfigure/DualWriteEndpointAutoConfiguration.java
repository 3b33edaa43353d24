package io.dualwrite.autoconfigure;

import java.time.Clock;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.actuate.DualWriteJobsEndpoint;
import io.dualwrite.copier.Copier;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.copier.Verifier;
import io.dualwrite.spi.PhaseSource;

/**
 * The Actuator endpoint {@code dualwritejobs} ({@link DualWriteJobsEndpoint}), when Actuator is on the classpath and
 * the endpoint is available (expose it with {@code management.endpoints.web.exposure.include}). Its paths are behind
 * dualwrite's admin login ({@link DualWriteSecurityAutoConfiguration}).
 */
@AutoConfiguration(after = DualWriteCopierAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
@ConditionalOnBean({ Copier.class, Verifier.class, ReverseCopier.class, ReverseVerifier.class, PhaseSource.class })
@ConditionalOnAvailableEndpoint(DualWriteJobsEndpoint.class)
public class DualWriteEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DualWriteJobsEndpoint dualWriteJobsEndpoint(MigrationRegistry registry, PhaseSource phaseSource, Copier copier,
            Verifier verifier, ReverseCopier reverseCopier, ReverseVerifier reverseVerifier, Clock clock) {
        return new DualWriteJobsEndpoint(registry, phaseSource, copier, verifier, reverseCopier, reverseVerifier,
                clock);
    }
}
