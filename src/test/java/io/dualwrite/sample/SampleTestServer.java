package io.dualwrite.sample;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * TEMPORARY: one in-memory MongoDB server for the sample's tests (JVM-wide, so that Spring's cached contexts never
 * point at a stopped server), until the library's embedded default is merged.
 */
final class SampleTestServer {

    private static MongoServer server;

    private SampleTestServer() {
    }

    static synchronized String uri() {
        if (server == null) {
            server = new MongoServer(new MemoryBackend());
            server.bind("127.0.0.1", 0);
        }
        return "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
    }
}
