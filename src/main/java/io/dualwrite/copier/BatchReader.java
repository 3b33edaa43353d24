package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.bson.Document;

import com.mongodb.client.MongoCursor;

/**
 * Reads a partition's cursor in batches, one batch ahead: while the worker processes a batch (writes it, re-checks
 * it, checkpoints it), a helper thread already reads the next one ({@link #readAhead()}), so the server's work for
 * the read and the client's decoding overlap the writes instead of following them. Only the helper thread uses the cursor, one read at
 * a time; {@link #close()} waits for a read under way before the caller closes the cursor. A batch read ahead and not
 * taken (the worker stops, pauses or loses its lease) is simply dropped: it was never processed nor checkpointed, so
 * whoever takes the partition over reads it again from the checkpoint.
 */
final class BatchReader implements AutoCloseable {

    private final MongoCursor<Document> cursor;

    private final int batchSize;

    private final ExecutorService reader;

    /** The read under way, if any. */
    private Future<List<Document>> pending;

    /** A batch read and not yet handed out ({@link #hasNext()} looked at it). */
    private List<Document> fetched;

    /** Whether the cursor gave a short batch: nothing follows it. */
    private boolean exhausted;

    BatchReader(MongoCursor<Document> cursor, int batchSize, String threadName) {
        this.cursor = cursor;
        this.batchSize = batchSize;
        this.reader = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        this.pending = reader.submit(this::read);
    }

    /** The next batch, empty at the end of the cursor (waits for it if it is still being read). */
    List<Document> next() throws InterruptedException {
        List<Document> batch = take();
        exhausted = batch.size() < batchSize;
        return batch;
    }

    /**
     * Starts reading the batch after the one {@link #next()} last returned, while the caller processes that one
     * (the caller decides when: after its own quick round trips, so that they do not wait behind the read).
     */
    void readAhead() {
        if (pending == null && fetched == null && !exhausted) {
            pending = reader.submit(this::read);
        }
    }

    /** Whether another batch follows the one {@link #next()} last returned (reads it, or waits for it). */
    boolean hasNext() throws InterruptedException {
        readAhead();
        if (fetched == null) {
            fetched = take();
        }
        return !fetched.isEmpty();
    }

    private List<Document> take() throws InterruptedException {
        if (fetched != null) {
            List<Document> batch = fetched;
            fetched = null;
            return batch;
        }
        if (pending == null) {
            return List.of();
        }
        try {
            return pending.get();
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (ex.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("Reading the next batch failed", ex.getCause());
        }
        finally {
            pending = null;
        }
    }

    private List<Document> read() {
        List<Document> batch = new ArrayList<>(Math.min(batchSize, 10_000));
        while (batch.size() < batchSize && cursor.hasNext()) {
            batch.add(cursor.next());
        }
        return batch;
    }

    /** Stops reading ahead, waiting for a read under way (the cursor may be closed once this returns). */
    @Override
    public void close() {
        reader.shutdown();
        try {
            if (!reader.awaitTermination(1, TimeUnit.MINUTES)) {
                reader.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            reader.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
