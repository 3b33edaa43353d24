package io.dualwrite.embedded;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;

/**
 * The one in-process MongoDB wire-protocol server of this JVM: mongo-java-server over
 * {@link IdIndexedMemoryBackend}, bound to 127.0.0.1 on a random free port, started on first use and stopped by a
 * JVM shutdown hook.
 * <p>
 * Deliberately one per JVM, never one per Spring context: Spring's test framework caches contexts, and a context
 * whose server was stopped after its test class would keep pointing at a dead port. Every context (and every test)
 * of the JVM therefore shares this server; tests isolate themselves with their own database or collection names.
 * <p>
 * The server's threads are daemon threads, so the server never keeps a JVM alive on its own (a command-line copier
 * run ends when its work ends).
 */
public final class EmbeddedMongoServer {

    /** The interface the server listens on: local only, never reachable from another machine. */
    public static final String HOST = "127.0.0.1";

    private static final Object LOCK = new Object();

    private static volatile Started started;

    private EmbeddedMongoServer() {
    }

    /**
     * The port of the running server, starting it if this is the first call in the JVM.
     *
     * @return the TCP port on {@value #HOST}
     */
    public static int port() {
        return started().port;
    }

    /**
     * The connection string of the running server, starting it if needed.
     *
     * @return {@code mongodb://127.0.0.1:PORT/} (no database: append one)
     */
    public static String connectionString() {
        return "mongodb://" + HOST + ":" + port() + "/";
    }

    /**
     * Whether the server has been started in this JVM (it is not stopped before the JVM exits).
     *
     * @return {@code true} once {@link #port()} or {@link #connectionString()} has been called
     */
    public static boolean isStarted() {
        return started != null;
    }

    private static Started started() {
        Started current = started;
        if (current != null) {
            return current;
        }
        synchronized (LOCK) {
            if (started == null) {
                started = start();
            }
            return started;
        }
    }

    private static Started start() {
        MongoServer server = startStandalone(new IdIndexedMemoryBackend());
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "dualwrite-embedded-mongo-stop"));
        return new Started(server.getLocalAddress().getPort());
    }

    /**
     * Starts a separate server over the given backend, bound to {@value #HOST} on a random free port, with daemon
     * threads. For tests and benchmarks that need a server of their own (for example the stock backend side by side
     * with this one); the caller stops it with {@link MongoServer#shutdownNow()}. Applications use the shared server
     * through {@link #connectionString()}.
     *
     * @param backend the storage backend
     * @return the running server; {@link MongoServer#getLocalAddress()} tells its port
     */
    public static MongoServer startStandalone(MongoBackend backend) {
        MongoServer server = new MongoServer(backend);
        // Netty creates its event-loop threads from the thread that binds (and the worker threads from the boss
        // thread): binding from a daemon thread makes them all daemon threads.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread binder = new Thread(() -> {
            try {
                server.bind(HOST, 0);
            }
            catch (RuntimeException | Error ex) {
                failure.set(ex);
            }
        }, "dualwrite-embedded-mongo-start");
        binder.setDaemon(true);
        binder.start();
        try {
            binder.join();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
            throw new IllegalStateException("Interrupted while starting the embedded MongoDB server", ex);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Could not start the embedded MongoDB server on " + HOST
                    + " (random port): " + failure.get().getMessage()
                    + ". Set spring.mongodb.uri to use a real MongoDB, or check that the loopback interface is up.",
                    failure.get());
        }
        InetSocketAddress address = server.getLocalAddress();
        if (address == null) {
            server.shutdownNow();
            throw new IllegalStateException("The embedded MongoDB server did not report the port it is bound to");
        }
        return server;
    }

    private record Started(int port) {
    }
}
