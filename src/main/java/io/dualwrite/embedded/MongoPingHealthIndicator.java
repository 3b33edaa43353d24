package io.dualwrite.embedded;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ServerDescription;
import org.bson.Document;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.Assert;

/**
 * MongoDB health checked with {@code {ping: 1}} on the {@code admin} database, a command every MongoDB server and
 * mongo-java-server answer. (Spring Boot's own indicator sends {@code hello}, which mongo-java-server does not know,
 * so {@code /actuator/health} would be DOWN on the embedded server.)
 * <p>
 * UP carries the addresses and wire versions of the servers the driver knows and, when {@code buildInfo} answers,
 * the server version; a failure of those details never turns the status DOWN. DOWN carries the exception. Each
 * check is bounded by a timeout, so an unreachable server makes the check DOWN instead of blocking the health
 * endpoint for the driver's 30 s server-selection wait.
 */
public class MongoPingHealthIndicator extends AbstractHealthIndicator {

    /** The bound used by the auto-configuration. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Document PING = new Document("ping", 1);

    private static final Document BUILD_INFO = new Document("buildInfo", 1);

    private final MongoClient mongoClient;

    private final Duration timeout;

    /**
     * An indicator for the given client.
     *
     * @param mongoClient the application's client
     * @param timeout the longest a check may take (ping and details together, each bounded by it)
     */
    public MongoPingHealthIndicator(MongoClient mongoClient, Duration timeout) {
        super("MongoDB ping failed");
        Assert.notNull(mongoClient, "mongoClient must not be null");
        Assert.isTrue(timeout != null && !timeout.isNegative() && !timeout.isZero(),
                () -> "timeout must be positive, got " + timeout);
        this.mongoClient = mongoClient;
        this.timeout = timeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        MongoDatabase admin = mongoClient.getDatabase("admin").withTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        admin.runCommand(PING);
        builder.up();
        addServerDetails(builder);
        try {
            Object version = admin.runCommand(BUILD_INFO).get("version");
            if (version != null) {
                builder.withDetail("version", String.valueOf(version));
            }
        }
        catch (RuntimeException ex) {
            // an optional detail: the server answered ping, so it is up
        }
    }

    private void addServerDetails(Health.Builder builder) {
        try {
            List<ServerDescription> servers = mongoClient.getClusterDescription().getServerDescriptions();
            List<String> addresses = servers.stream().map((server) -> server.getAddress().toString()).toList();
            builder.withDetail("servers", addresses);
            servers.stream()
                .filter(ServerDescription::isOk)
                .mapToInt(ServerDescription::getMaxWireVersion)
                .max()
                .ifPresent((maxWireVersion) -> builder.withDetail("maxWireVersion", maxWireVersion));
        }
        catch (RuntimeException ex) {
            // an optional detail
        }
    }
}
