package io.dualwrite.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.core.Ordered;

import com.mongodb.MongoClientSettings;
import com.mongodb.ServerAddress;

/**
 * The MongoDB client settings of a command-line run: a short server selection timeout, so that an unreachable server
 * is reported within seconds instead of the driver's 30, unless the connection string sets
 * {@code serverSelectionTimeoutMS} itself. Runs after Spring Boot's own customizer and remembers the hosts, for the
 * messages.
 */
final class CliMongoSettings implements MongoClientSettingsBuilderCustomizer, Ordered {

    /** How long the command line waits for a MongoDB server to answer. */
    static final Duration SERVER_SELECTION_TIMEOUT = Duration.ofSeconds(5);

    private final boolean timeoutInUri;

    private volatile List<String> hosts = List.of();

    private volatile long timeoutMillis = SERVER_SELECTION_TIMEOUT.toMillis();

    /**
     * @param timeoutInUri whether the configured connection string sets {@code serverSelectionTimeoutMS} (then it is
     * left alone)
     */
    CliMongoSettings(boolean timeoutInUri) {
        this.timeoutInUri = timeoutInUri;
    }

    @Override
    public void customize(MongoClientSettings.Builder builder) {
        if (!timeoutInUri) {
            builder.applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(
                    SERVER_SELECTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        }
        MongoClientSettings settings = builder.build();
        String srvHost = settings.getClusterSettings().getSrvHost();
        hosts = srvHost != null ? List.of(srvHost)
                : settings.getClusterSettings().getHosts().stream().map(ServerAddress::toString).toList();
        timeoutMillis = settings.getClusterSettings().getServerSelectionTimeout(TimeUnit.MILLISECONDS);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** The servers the client was configured with ("host:port, ..."), empty before the client is built. */
    List<String> hosts() {
        return hosts;
    }

    /** The server selection timeout in effect. */
    long timeoutMillis() {
        return timeoutMillis;
    }
}
