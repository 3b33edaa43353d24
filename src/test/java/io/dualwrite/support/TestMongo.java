package io.dualwrite.support;

import io.dualwrite.embedded.EmbeddedMongoServer;

/**
 * The one embedded MongoDB server of the test JVM: started on first use on 127.0.0.1 and a random port, never stopped
 * (Spring's cached contexts keep pointing at it). Give each test class its own database to keep state apart.
 */
public final class TestMongo {

    private TestMongo() {
    }

    /** A connection string to {@code database} on the library's JVM-wide embedded server. */
    public static String uri(String database) {
        return "mongodb://127.0.0.1:" + EmbeddedMongoServer.port() + "/" + database;
    }

    /** The Spring property that points a context at {@code database} on the embedded server. */
    public static String uriProperty(String database) {
        return "spring.mongodb.uri=" + uri(database);
    }
}
