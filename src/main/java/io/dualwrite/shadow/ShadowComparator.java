package io.dualwrite.shadow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.codecs.configuration.CodecRegistry;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.model.Filters;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.internal.Bookkeeping;
import io.dualwrite.internal.FieldComparison;
import io.dualwrite.internal.PhasedStore;

/**
 * Compares sampled reads with the other shape, off the callers' threads.
 * <p>
 * A sampled read is a {@link Sample} in a bounded queue; {@link #submit} never blocks and wakes nobody: when the queue
 * is full the read is dropped and counted. Worker threads look at the queue every {@value #BATCH_WINDOW_MILLIS} ms (so a
 * caller never hands its core to a woken comparison thread) and take everything queued at once: the samples of one
 * migration and phase are compared together, with one {@code $in} read of the other shape. {@link #awaitIdle} does
 * the same on the calling thread.
 * <p>
 * A comparison maps each document to the domain type with its own shape's mapping and writes it back in the read
 * shape's fields (and, when those show no difference, in the other shape's), ignoring {@code _id}, the version and
 * bookkeeping fields. Equal: compared, done. Different: a write may be in flight between the two shapes (each write
 * reaches them one after the other), so both are read again after {@code recheckDelay} by the injected clock; still
 * different and either at one version (one write, two contents) or at the very versions first seen (nothing moved in
 * between): a mismatch, counted, recorded and published. Still different but moved: writes kept coming, counted as
 * unsettled, not a mismatch.
 */
final class ShadowComparator {

    private static final Logger log = LoggerFactory.getLogger(ShadowComparator.class);

    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    /** How often a worker looks for queued samples and due re-checks (real time). */
    static final long BATCH_WINDOW_MILLIS = 50;

    /** Samples (or re-checks) taken at once, and ids read at once, at most. */
    private static final int MAX_BATCH = 500;

    private final ArrayBlockingQueue<Sample> tasks;

    private final PriorityQueue<Recheck> rechecks = new PriorityQueue<>();

    private final int capacity;

    private final Duration recheckDelay;

    private final Clock clock;

    private final ShadowMismatchStore mismatchStore;

    private final List<ShadowMismatchPublisher> publishers;

    private final String instance;

    /** Samples submitted and not compared yet, plus re-checks taken and not done. */
    private final AtomicInteger busy = new AtomicInteger();

    private final Object idle = new Object();

    private final List<Thread> workers = new ArrayList<>();

    private final Map<String, Instant> lastWarning = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> unlogged = new ConcurrentHashMap<>();

    private long sequence;

    private volatile boolean stopped;

    ShadowComparator(int capacity, Duration recheckDelay, Clock clock, ShadowMismatchStore mismatchStore,
            List<ShadowMismatchPublisher> publishers, String instance) {
        this.capacity = capacity;
        this.tasks = new ArrayBlockingQueue<>(capacity);
        this.recheckDelay = recheckDelay;
        this.clock = clock;
        this.mismatchStore = mismatchStore;
        this.publishers = List.copyOf(publishers);
        this.instance = instance;
    }

    /** Starts the worker threads (daemons). */
    synchronized void start(int threads) {
        for (int i = 0; i < threads; i++) {
            Thread worker = new Thread(this::work, "dualwrite-shadow-reads-" + (i + 1));
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
    }

    /** Stops the workers; what is still queued is not compared. */
    synchronized void stop() {
        stopped = true;
        for (Thread worker : workers) {
            worker.interrupt();
        }
        workers.clear();
        tasks.clear();
        synchronized (rechecks) {
            rechecks.clear();
        }
    }

    // ------------------------------------------------------------------ hand-over (callers' threads)

    /**
     * One sampled read, as the caller read it: a read by id ({@code id}, and the document found or {@code null}) or a
     * query's documents ({@code documents}).
     */
    record Sample(MigrationShadow shadow, Phase phase, Object id, Document document, List<Document> documents) {
    }

    /** Queues a sampled read; when the queue is full it is dropped and counted. Never blocks. */
    void submit(Sample sample) {
        busy.incrementAndGet();
        if (stopped || !tasks.offer(sample)) {
            finished(1);
            sample.shadow().dropped.increment();
            return;
        }
        sample.shadow().sampled.increment();
    }

    // ------------------------------------------------------------------ workers

    private void work() {
        while (!stopped) {
            try {
                Thread.sleep(BATCH_WINDOW_MILLIS);
                while (runDueRechecks() | runQueued()) {
                    // until nothing is due or queued
                }
            }
            catch (InterruptedException ex) {
                return;
            }
            catch (RuntimeException ex) {
                log.warn("A shadow-read worker met an unexpected error; it goes on", ex);
            }
        }
    }

    /** Compares up to {@value #MAX_BATCH} queued samples; whether there were any. */
    private boolean runQueued() {
        List<Sample> batch = new ArrayList<>();
        tasks.drainTo(batch, MAX_BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        try {
            compare(batch);
        }
        catch (RuntimeException ex) {
            log.warn("A shadow-read comparison failed unexpectedly", ex);
        }
        finally {
            finished(batch.size());
        }
        return true;
    }

    /** Re-checks up to {@value #MAX_BATCH} differences whose time has come; whether there were any. */
    private boolean runDueRechecks() {
        List<Recheck> due = new ArrayList<>();
        synchronized (rechecks) {
            Instant now = clock.instant();
            while (due.size() < MAX_BATCH && !rechecks.isEmpty() && !now.isBefore(rechecks.peek().due())) {
                due.add(rechecks.poll());
            }
            if (due.isEmpty()) {
                return false;
            }
            busy.addAndGet(due.size());
        }
        try {
            recheck(due);
        }
        catch (RuntimeException ex) {
            log.warn("A shadow-read re-check failed unexpectedly", ex);
        }
        finally {
            finished(due.size());
        }
        return true;
    }

    private void finished(int count) {
        if (busy.addAndGet(-count) == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    private boolean hasDueRecheck() {
        synchronized (rechecks) {
            Recheck next = rechecks.peek();
            return next != null && !clock.instant().isBefore(next.due());
        }
    }

    /**
     * Runs queued comparisons and due re-checks on the calling thread too, and waits for those in progress, until
     * nothing is queued, running or due (by the clock), or the timeout passes.
     *
     * @return whether that state was reached
     */
    boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (runQueued() || runDueRechecks()) {
                continue;
            }
            synchronized (idle) {
                if (busy.get() == 0 && !hasDueRecheck()) {
                    return true;
                }
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                try {
                    idle.wait(5);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** Re-checks waiting for their time. */
    int pendingRechecks() {
        synchronized (rechecks) {
            return rechecks.size();
        }
    }

    // ------------------------------------------------------------------ comparisons (worker threads)

    /** One document as the caller read it ({@code null}: nothing under that id). */
    private record Read(Object id, Document document) {
    }

    /** The samples of one migration in one phase. */
    private record Group(MigrationShadow shadow, Phase phase) {
    }

    /** Compares a batch of samples, one read of the other shape per migration and phase. */
    void compare(List<Sample> samples) {
        Map<Group, List<Read>> groups = new LinkedHashMap<>();
        for (Sample sample : samples) {
            List<Read> reads = groups.computeIfAbsent(new Group(sample.shadow(), sample.phase()),
                    g -> new ArrayList<>());
            if (sample.documents() == null) {
                reads.add(new Read(sample.document() == null ? sample.id() : sample.document().get("_id"),
                        sample.document()));
            }
            else {
                for (Document document : sample.documents()) {
                    reads.add(new Read(document.get("_id"), document));
                }
            }
        }
        groups.forEach((group, reads) -> {
            for (int from = 0; from < reads.size(); from += MAX_BATCH) {
                compare(group, reads.subList(from, Math.min(reads.size(), from + MAX_BATCH)));
            }
        });
    }

    private void compare(Group group, List<Read> reads) {
        MigrationShadow shadow = group.shadow();
        PhasedStore<?> store = shadow.store;
        Shape readShape = group.phase().readShape();
        Map<Object, Document> others;
        try {
            others = store.isSameCollection() ? null : findAll(store, readShape.other(), reads);
        }
        catch (RuntimeException ex) {
            failed(shadow, reads.size() == 1 ? reads.get(0).id() : "(" + reads.size() + " ids)", reads.size(), ex);
            return;
        }
        for (Read read : reads) {
            try {
                Document other = others == null ? read.document() : others.get(key(read.id()));
                conclude(shadow, group.phase(), read.id(), classify(store, group.phase(), read.document(), other),
                        null);
            }
            catch (RuntimeException ex) {
                failed(shadow, read.id(), 1, ex);
            }
        }
    }

    /** Reads both shapes again for the due differences, one read per shape, migration and phase. */
    private void recheck(List<Recheck> due) {
        Map<Group, List<Recheck>> groups = new LinkedHashMap<>();
        for (Recheck recheck : due) {
            groups.computeIfAbsent(new Group(recheck.shadow(), recheck.phase()), g -> new ArrayList<>()).add(recheck);
        }
        groups.forEach((group, rechecks) -> {
            MigrationShadow shadow = group.shadow();
            PhasedStore<?> store = shadow.store;
            Shape readShape = group.phase().readShape();
            List<Read> ids = rechecks.stream().map(r -> new Read(r.id(), null)).toList();
            Map<Object, Document> reads;
            Map<Object, Document> others;
            try {
                reads = findAll(store, readShape, ids);
                others = store.isSameCollection() ? reads : findAll(store, readShape.other(), ids);
            }
            catch (RuntimeException ex) {
                failed(shadow, "(" + rechecks.size() + " re-checks)", rechecks.size(), ex);
                return;
            }
            for (Recheck recheck : rechecks) {
                try {
                    conclude(shadow, group.phase(), recheck.id(), classify(store, group.phase(),
                            reads.get(key(recheck.id())), others.get(key(recheck.id()))), recheck.first());
                }
                catch (RuntimeException ex) {
                    failed(shadow, recheck.id(), 1, ex);
                }
            }
        });
    }

    /**
     * Counts an outcome; a first difference is re-checked later, a re-checked one is a mismatch when both shapes are
     * at one version or still at the versions first seen, and unsettled otherwise.
     *
     * @param first the outcome of the first comparison when this is the re-check, else {@code null}
     */
    private void conclude(MigrationShadow shadow, Phase phase, Object id, Outcome outcome, Outcome first) {
        switch (outcome.verdict()) {
            case EQUAL -> shadow.compared.increment();
            case NOT_YET_COPIED -> shadow.notYetCopied.increment();
            case SKIPPED -> shadow.skipped.increment();
            case DIFFERENT -> {
                if (first == null) {
                    schedule(shadow, phase, id, outcome);
                }
                else if (Objects.equals(outcome.readVersion(), outcome.otherVersion())
                        || (Objects.equals(outcome.readVersion(), first.readVersion())
                                && Objects.equals(outcome.otherVersion(), first.otherVersion()))) {
                    mismatch(shadow, phase, id, outcome);
                }
                else {
                    shadow.unsettled.increment();
                }
            }
        }
    }

    private void schedule(MigrationShadow shadow, Phase phase, Object id, Outcome first) {
        synchronized (rechecks) {
            if (rechecks.size() >= capacity || stopped) {
                shadow.dropped.increment();
                return;
            }
            rechecks.add(new Recheck(clock.instant().plus(recheckDelay), sequence++, shadow, phase, id, first));
        }
    }

    private void mismatch(MigrationShadow shadow, Phase phase, Object id, Outcome outcome) {
        shadow.compared.increment();
        shadow.mismatches.increment();
        ShadowMismatch mismatch = new ShadowMismatch(shadow.id, id, phase, phase.readShape(), outcome.kind(),
                outcome.fields(), outcome.readVersion(), outcome.otherVersion(), outcome.detail(), instance,
                clock.instant());
        if (shouldWarn(shadow.id)) {
            int more = unlogged.computeIfAbsent(shadow.id, k -> new AtomicInteger()).getAndSet(0);
            log.warn("Shadow read of migration '{}' in {}: _id={} {}: {}{}{}", shadow.id, phase, id, outcome.kind(),
                    outcome.detail(), outcome.fields().isEmpty() ? "" : " " + outcome.fields(),
                    more == 0 ? "" : " (and " + more + " more mismatches since the last warning; see "
                            + mismatchStore.collectionName() + ")");
        }
        else {
            unlogged.computeIfAbsent(shadow.id, k -> new AtomicInteger()).incrementAndGet();
            log.debug("Shadow read of migration '{}': {}", shadow.id, mismatch);
        }
        try {
            mismatchStore.record(mismatch);
        }
        catch (RuntimeException ex) {
            log.warn("Could not record the shadow-read mismatch of migration '{}' for _id={} in {}: {}", shadow.id, id,
                    mismatchStore.collectionName(), ex.toString());
        }
        for (ShadowMismatchPublisher publisher : publishers) {
            try {
                publisher.publish(mismatch);
            }
            catch (RuntimeException ex) {
                log.warn("A ShadowMismatchPublisher ({}) failed for migration '{}', _id={}", publisher, shadow.id, id,
                        ex);
            }
        }
    }

    private boolean shouldWarn(String migrationId) {
        Instant now = clock.instant();
        Instant last = lastWarning.get(migrationId);
        if (last != null && now.isBefore(last.plus(LOG_INTERVAL))) {
            return false;
        }
        lastWarning.put(migrationId, now);
        return true;
    }

    private void failed(MigrationShadow shadow, Object id, int count, RuntimeException ex) {
        shadow.failed.add(count);
        if (shouldWarn(shadow.id + "/failed")) {
            log.warn("A shadow-read comparison of migration '{}' (_id={}) could not be made: {}", shadow.id, id,
                    ex.toString());
        }
        else {
            log.debug("A shadow-read comparison of migration '{}' (_id={}) could not be made", shadow.id, id, ex);
        }
    }

    private static Map<Object, Document> findAll(PhasedStore<?> store, Shape shape, List<Read> reads) {
        List<Object> ids = new ArrayList<>(reads.size());
        for (Read read : reads) {
            ids.add(read.id());
        }
        Map<Object, Document> found = new HashMap<>();
        Bson filter = ids.size() == 1 ? Filters.eq("_id", ids.get(0)) : Filters.in("_id", ids);
        for (Document document : store.shape(shape).collection().find(filter)) {
            found.put(key(document.get("_id")), document);
        }
        return found;
    }

    /** An {@code _id} as a map key: an int and a long of one value are one key (MongoDB compares them equal). */
    private static Object key(Object id) {
        return id instanceof Integer number ? Long.valueOf(number) : id;
    }

    // ------------------------------------------------------------------ classification

    /** What a comparison concluded. */
    enum Verdict {
        EQUAL, DIFFERENT, NOT_YET_COPIED, SKIPPED
    }

    /**
     * One comparison's outcome.
     *
     * @param readVersion the read shape's version ({@code null}: no document)
     * @param otherVersion the other shape's version ({@code null}: no document)
     */
    record Outcome(Verdict verdict, ShadowMismatch.Kind kind, List<String> fields, String detail, Long readVersion,
            Long otherVersion) {

        static Outcome of(Verdict verdict, Long readVersion, Long otherVersion) {
            return new Outcome(verdict, null, List.of(), null, readVersion, otherVersion);
        }

        static Outcome different(ShadowMismatch.Kind kind, List<String> fields, String detail, Long readVersion,
                Long otherVersion) {
            return new Outcome(Verdict.DIFFERENT, kind, fields, detail, readVersion, otherVersion);
        }
    }

    /**
     * Compares what the read shape and the other shape hold for one id.
     *
     * @param read the read shape's document ({@code null}: none)
     * @param other the other shape's document ({@code null}: none; the same document in a same-collection migration)
     */
    static Outcome classify(PhasedStore<?> store, Phase phase, Document read, Document other) {
        Shape readShape = phase.readShape();
        Shape otherShape = readShape.other();
        String versionField = store.versionField();
        Long readVersion = read == null ? null : Bookkeeping.version(read, versionField);
        Long otherVersion = other == null ? null : Bookkeeping.version(other, versionField);
        Document newDocument = readShape == Shape.NEW ? read : other;
        if (newDocument != null && Bookkeeping.isNewOnly(newDocument)) {
            return Outcome.of(Verdict.SKIPPED, readVersion, otherVersion); // the new shape decides for it
        }
        boolean readLive = read != null && store.isLive(read, readShape);
        boolean otherLive = other != null && store.isLive(other, otherShape);
        if (!readLive && !otherLive) {
            return Outcome.of(Verdict.EQUAL, readVersion, otherVersion);
        }
        if (!otherLive) {
            boolean nothingInNew = store.isSameCollection()
                    ? !Bookkeeping.isTombstone(other) : other == null;
            if (readShape == Shape.OLD && nothingInNew) {
                return Outcome.of(Verdict.NOT_YET_COPIED, readVersion, otherVersion);
            }
            return Outcome.different(ShadowMismatch.Kind.MISSING_IN_OTHER, List.of(), "the " + readShape.tag()
                    + " shape holds the entity, the " + otherShape.tag() + " shape holds "
                    + (other == null ? "no document" : Bookkeeping.isTombstone(other) ? "a tombstone (deleted)"
                            : "no " + otherShape.tag() + " fields"),
                    readVersion, otherVersion);
        }
        if (!readLive) {
            return Outcome.different(ShadowMismatch.Kind.ONLY_IN_OTHER, List.of(), "the " + readShape.tag()
                    + " shape holds " + (read == null ? "no document" : "a tombstone (deleted)") + ", the "
                    + otherShape.tag() + " shape a live entity", readVersion, otherVersion);
        }
        Document otherInRead;
        Document otherInOther;
        try {
            otherInRead = store.convert(other, otherShape, readShape);
            otherInOther = store.convert(other, otherShape, otherShape);
        }
        catch (RuntimeException ex) {
            return Outcome.different(ShadowMismatch.Kind.UNREADABLE, List.of(), "the " + otherShape.tag()
                    + " shape's document cannot be mapped: " + ex.getMessage(), readVersion, otherVersion);
        }
        CodecRegistry codecs = store.shape(readShape).collection().getCodecRegistry();
        List<String> fields = differingFields(store.convert(read, readShape, readShape), otherInRead, codecs, "");
        if (fields.isEmpty()) {
            fields = differingFields(store.convert(read, readShape, otherShape), otherInOther, codecs,
                    otherShape.tag() + ":");
        }
        if (fields.isEmpty()) {
            return Outcome.of(Verdict.EQUAL, readVersion, otherVersion);
        }
        return Outcome.different(ShadowMismatch.Kind.DIFFERENT, fields, fields.size() + " field(s) differ"
                + (Objects.equals(readVersion, otherVersion) ? " at version " + readVersion
                        : " (version " + readVersion + " in " + readShape.tag() + ", " + otherVersion + " in "
                                + otherShape.tag() + ")"),
                readVersion, otherVersion);
    }

    /** Dotted paths of the fields whose values differ (numbers compared by value, a null field as a missing one). */
    static List<String> differingFields(Document expected, Document actual, CodecRegistry codecs, String prefix) {
        List<String> fields = new ArrayList<>();
        FieldComparison.compare(normalize(expected, codecs), normalize(actual, codecs), prefix,
                (path, want, have) -> fields.add(path));
        return fields;
    }

    private static BsonDocument normalize(Document document, CodecRegistry codecs) {
        Document copy = new Document(document);
        copy.values().removeIf(Objects::isNull);
        return copy.toBsonDocument(BsonDocument.class, codecs);
    }

    /** A difference waiting to be read again, ordered by when it is due. */
    private record Recheck(Instant due, long sequence, MigrationShadow shadow, Phase phase, Object id, Outcome first)
            implements Comparable<Recheck> {

        @Override
        public int compareTo(Recheck other) {
            int byDue = due.compareTo(other.due);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }
}
