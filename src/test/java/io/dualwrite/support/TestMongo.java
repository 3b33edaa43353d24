package io.dualwrite.support;

import java.net.InetSocketAddress;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * The one embedded MongoDB server of the test JVM: started on first use on 127.0.0.1 and a random port, never stopped
 * (Spring's cached contexts keep pointing at it). Give each test class its own database to keep state apart.
 */
public final class TestMongo {

    private static MongoServer server;

    private TestMongo() {
    }

    /** The server's address, starting it on first use. */
    public static synchronized InetSocketAddress address() {
        if (server == null) {
            MongoServer started = new MongoServer(new MemoryBackend());
            started.bind("127.0.0.1", 0);
            server = started;
        }
        return server.getLocalAddress();
    }

    /** A connection string to {@code database} on the embedded server. */
    public static String uri(String database) {
        InetSocketAddress address = address();
        return "mongodb://127.0.0.1:" + address.getPort() + "/" + database;
    }

    /** The Spring property that points a context at {@code database} on the embedded server. */
    public static String uriProperty(String database) {
        return "spring.mongodb.uri=" + uri(database);
    }
}
