package io.dualwrite.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;

import de.bwaldvogel.mongo.MongoServer;
import io.dualwrite.embedded.EmbeddedMongoServer;
import io.dualwrite.embedded.IdIndexedMemoryBackend;

/**
 * The embedded server (mongo-java-server over {@link IdIndexedMemoryBackend}, as the library starts it) alone in a JVM
 * of its own, for benchmarks whose data would not fit next to the client: a million documents take about a gigabyte
 * of this server's heap. Prints {@code @port N} once it listens, then answers commands read line by line from standard
 * input (its answers start with {@code @}; anything else on standard output is the server's log):
 * <ul>
 * <li>{@code gc}: a full garbage collection, so that the garbage a previous measurement left (a dropped collection)
 * is not collected on the next one's time; answers {@code @gc done, N MiB used};</li>
 * <li>{@code peak}: the sum of the heap pools' peak usage; answers {@code @peak N MiB}.</li>
 * </ul>
 * It stops when its standard input closes (the parent died or is done).
 */
public final class BenchmarkMongoServer {

    private BenchmarkMongoServer() {
    }

    /**
     * Starts the server and serves commands until standard input closes.
     *
     * @param args ignored
     */
    public static void main(String[] args) throws IOException {
        MongoServer server = EmbeddedMongoServer.startStandalone(new IdIndexedMemoryBackend());
        System.out.println("@port " + server.getLocalAddress().getPort());
        System.out.flush();
        try (BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String command;
            while ((command = commands.readLine()) != null) {
                switch (command.trim()) {
                    case "gc" -> {
                        System.gc();
                        Runtime runtime = Runtime.getRuntime();
                        System.out.println("@gc done, " + (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024)
                                + " MiB used");
                    }
                    case "peak" -> System.out.println("@peak " + peakHeapMiB() + " MiB");
                    default -> System.out.println("@unknown command: " + command);
                }
                System.out.flush();
            }
        }
        finally {
            server.shutdownNow();
        }
    }

    /** The sum over the heap memory pools of their peak usage, in MiB. */
    static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024 * 1024);
    }
}
