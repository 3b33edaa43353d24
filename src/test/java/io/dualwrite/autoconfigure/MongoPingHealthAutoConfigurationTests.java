package io.dualwrite.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.dualwrite.embedded.EmbeddedMongoServer;
import io.dualwrite.embedded.MongoPingHealthIndicator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.health.MongoHealthContributorAutoConfiguration;
import org.springframework.boot.mongodb.health.MongoHealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The ping-based MongoDB health indicator replaces Boot's {@code hello}-based one.
 */
class MongoPingHealthAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EmbeddedMongoAutoConfiguration.class, MongoAutoConfiguration.class,
                MongoPingHealthAutoConfiguration.class, MongoHealthContributorAutoConfiguration.class));

    @Test
    void isUpOnTheEmbeddedServerAndReplacesBootsIndicator() {
        runner.run((context) -> {
            assertThat(context).hasNotFailed()
                .hasSingleBean(HealthIndicator.class)
                .doesNotHaveBean(MongoHealthIndicator.class)
                .doesNotHaveBean("mongoHealthContributor");
            assertThat(context.getBean("mongoHealthIndicator")).isInstanceOf(MongoPingHealthIndicator.class);
            Health health = context.getBean(HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsKey("maxWireVersion")
                .containsEntry("servers", List.of("127.0.0.1:" + EmbeddedMongoServer.port()));
        });
    }

    @Test
    void bootsOwnIndicatorIsDownOnTheEmbeddedServerWhichIsWhyItIsReplaced() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedMongoAutoConfiguration.class, MongoAutoConfiguration.class,
                    MongoHealthContributorAutoConfiguration.class))
            .run((context) -> assertThat(context.getBean(MongoHealthIndicator.class).health().getStatus())
                .isEqualTo(Status.DOWN));
    }

    @Test
    void honoursBootsSwitchForTheMongodbIndicator() {
        runner.withPropertyValues("management.health.mongodb.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(HealthIndicator.class));
    }

    @Test
    void backsOffForTheApplicationsOwnIndicator() {
        HealthIndicator own = () -> Health.up().withDetail("own", true).build();
        runner.withBean("mongoHealthIndicator", HealthIndicator.class, () -> own).run((context) -> {
            assertThat(context).doesNotHaveBean(MongoPingHealthIndicator.class).doesNotHaveBean(MongoHealthIndicator.class);
            assertThat(context.getBean("mongoHealthIndicator")).isSameAs(own);
        });
    }

    @Test
    void needsAMongoClient() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MongoPingHealthAutoConfiguration.class))
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(HealthIndicator.class));
    }

    @Test
    void isDownWithinItsTimeoutWhenNothingListens() throws IOException {
        // the driver alone would wait 30 s to select a server; the indicator's own bound ends the check first
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + closedPort() + "/")) {
            MongoPingHealthIndicator indicator = new MongoPingHealthIndicator(client, Duration.ofMillis(500));
            ThrowingSupplier<Health> check = indicator::health;
            Health health = assertTimeoutPreemptively(Duration.ofSeconds(10), check);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKey("error");
        }
    }

    @Test
    void isDownWhenTheClientGivesUpFirst() throws IOException {
        MongoClientSettings settings = MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + closedPort() + "/"))
            .applyToClusterSettings((cluster) -> cluster.serverSelectionTimeout(200, TimeUnit.MILLISECONDS))
            .build();
        try (MongoClient client = MongoClients.create(settings)) {
            ThrowingSupplier<Health> check = () -> new MongoPingHealthIndicator(client, Duration.ofMinutes(1)).health();
            Health health = assertTimeoutPreemptively(Duration.ofSeconds(10), check);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error"))).contains("127.0.0.1");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
