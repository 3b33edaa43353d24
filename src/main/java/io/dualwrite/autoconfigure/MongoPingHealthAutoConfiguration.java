package io.dualwrite.autoconfigure;

import com.mongodb.client.MongoClient;
import io.dualwrite.embedded.MongoPingHealthIndicator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Replaces Spring Boot's MongoDB health indicator (which sends {@code hello}, unknown to the embedded
 * mongo-java-server, so {@code /actuator/health} would report DOWN) with {@link MongoPingHealthIndicator}, which
 * sends {@code ping} and works on the embedded server and on a real MongoDB alike.
 * <p>
 * The bean is named {@code mongoHealthIndicator}: Boot's {@code MongoHealthContributorAutoConfiguration} backs off
 * for that name and this configuration runs before it. It honours Boot's switch for the MongoDB indicator,
 * {@code management.health.mongodb.enabled} (the key Boot 4 uses), and backs off if the application defines its own
 * {@code mongoHealthIndicator} or {@code mongoHealthContributor}.
 */
@AutoConfiguration(after = MongoAutoConfiguration.class,
        beforeName = "org.springframework.boot.mongodb.autoconfigure.health.MongoHealthContributorAutoConfiguration")
@ConditionalOnClass({ MongoClient.class, HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(MongoClient.class)
@ConditionalOnEnabledHealthIndicator("mongodb")
public class MongoPingHealthAutoConfiguration {

    /**
     * The ping-based MongoDB health indicator.
     *
     * @param mongoClient the application's client
     * @return an indicator bounded by {@link MongoPingHealthIndicator#DEFAULT_TIMEOUT}
     */
    @Bean
    @ConditionalOnMissingBean(name = { "mongoHealthIndicator", "mongoHealthContributor" })
    public MongoPingHealthIndicator mongoHealthIndicator(MongoClient mongoClient) {
        return new MongoPingHealthIndicator(mongoClient, MongoPingHealthIndicator.DEFAULT_TIMEOUT);
    }
}
