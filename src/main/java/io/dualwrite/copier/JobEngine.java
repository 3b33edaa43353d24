package io.dualwrite.copier;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.Shape;
import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.spi.PhaseSource;

/**
 * Runs copy and verification jobs, either way ({@link JobKind}): creates or joins a migration's active run, and works on it with worker threads
 * that lease partitions, scan them in {@code _id} order with one cursor each, process batch after batch under the
 * run's rate limit, and checkpoint after every batch. Runs, partitions, leases and checkpoints are in MongoDB
 * ({@link JobStore}), so workers in many processes share a run and a crashed worker's partition is taken over when
 * its lease expires.
 */
public final class JobEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);

    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    private final PhasedStores stores;

    private final JobStore jobs;

    private final PhaseSource phases;

    private final StartCondition.Check instances;

    private final ToLongFunction<String> unrepaired;

    private final Clock clock;

    private final Sleeper sleeper;

    private final JobSettings settings;

    private final List<JobListener> listeners;

    private final JobMetrics metrics;

    private final String processName = processName() + "-"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));

    private final AtomicInteger workerSequence = new AtomicInteger();

    private final Map<String, JobHandle> handles = new ConcurrentHashMap<>();

    public JobEngine(PhasedStores stores, JobStore jobs, PhaseSource phases, StartCondition.Check instances,
            ToLongFunction<String> unrepaired, Clock clock, Sleeper sleeper, JobSettings settings,
            List<JobListener> listeners, JobMetrics metrics) {
        this.stores = stores;
        this.jobs = jobs;
        this.phases = phases;
        this.instances = instances;
        this.unrepaired = unrepaired;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settings = settings;
        this.listeners = List.copyOf(listeners);
        this.metrics = metrics;
    }

    /** The store of runs, partitions and dead letters. */
    public JobStore store() {
        return jobs;
    }

    /** The pacing settings. */
    public JobSettings settings() {
        return settings;
    }

    /**
     * Joins the migration's active run of this kind, or creates one, and starts {@code options.workers()} worker
     * threads in this process on it.
     *
     * @throws IllegalArgumentException for an unknown migration id
     * @throws IllegalStateException when this process already works on that run
     */
    public JobHandle start(String migrationId, JobKind kind, JobOptions options) {
        PhasedStore<?> store = stores.forMigration(migrationId);
        JobRun run = jobs.active(migrationId, kind).orElseGet(() -> jobs.createOrJoin(plan(store, kind, options)));
        JobHandle existing = handles.get(run.id());
        if (existing != null && !existing.isDone()) {
            throw new IllegalStateException("This process already works on " + kind.tag() + " run " + run.id()
                    + " of migration '" + migrationId + "'; stop it first or wait for it");
        }
        JobHandle handle = new JobHandle(run.id(), migrationId, kind, options.workers(),
                () -> jobs.run(run.id()).orElseThrow());
        handles.put(run.id(), handle);
        Progress progress = new Progress(run);
        if (metrics != null) {
            metrics.track(migrationId, kind, progress);
        }
        BatchProcessor processor = processor(store, kind, run);
        log.info("{} run {} of migration '{}': {} worker(s) in this process ({}), {} partitions, batches of {}{}",
                capitalized(kind), run.id(), migrationId, options.workers(), processName, run.partitions(),
                run.batchSize(), run.rate() > 0 ? ", at most " + (long) run.rate() + " documents/s" : "");
        for (int i = 0; i < options.workers(); i++) {
            String worker = processName + "-w" + workerSequence.incrementAndGet();
            Worker task = new Worker(handle, store, processor, run, worker, progress);
            Thread thread = new Thread(task::run, "dualwrite-" + kind.tag() + "-" + worker);
            thread.setDaemon(true);
            thread.start();
        }
        return handle;
    }

    /**
     * The processor of a run's batches. A reverse copy hands entities back to the old shape only in a run that started
     * while every live instance wrote both shapes, and only while this process's phase of the migration still writes
     * both (asked before every batch, from memory).
     */
    private BatchProcessor processor(PhasedStore<?> store, JobKind kind, JobRun run) {
        if (kind.isVerification()) {
            return new VerifyProcessor(store, kind);
        }
        String migrationId = store.migration().id();
        return new CopyProcessor(store, jobs, run.id(), clock, kind,
                () -> run.allWritingBothAtStart() && phases.currentPhase(migrationId).writesBoth());
    }

    /** Stops this process's workers (orderly: they release their partitions) and waits a little for them. */
    @Override
    public void close() {
        handles.values().forEach(JobHandle::stop);
        for (JobHandle handle : handles.values()) {
            try {
                handle.await(settings.pollInterval().multipliedBy(5));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private JobStore.NewRun plan(PhasedStore<?> store, JobKind kind, JobOptions options) {
        String migrationId = store.migration().id();
        Instant now = clock.instant();
        Phase phase = phases.currentPhase(migrationId);
        StartCondition condition = kind.isCopy() ? startCondition(migrationId, phase)
                : new StartCondition(false, "not a copy");
        var source = store.shape(kind.source()).collection();
        List<Object> boundaries = Partitioner.boundaries(source, options.partitions());
        List<Shape> sides = kind.isVerification() && !store.isSameCollection()
                ? List.of(kind.source(), kind.target()) : List.of(kind.source());
        long estimated = source.estimatedDocumentCount();
        if (sides.size() > 1) {
            estimated += store.shape(kind.target()).collection().estimatedDocumentCount();
        }
        String id = migrationId + "-" + kind.tag() + "-" + RUN_TIME.format(now) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        return new JobStore.NewRun(id, migrationId, kind, now, processName, phase, condition.satisfied(),
                condition.description(), estimated, options.batchSize(), options.rate(), boundaries, sides);
    }

    private StartCondition startCondition(String migrationId, Phase phase) {
        if (!phase.writesBoth()) {
            return new StartCondition(false, "the shared phase was " + phase + ", which does not write both shapes");
        }
        StartCondition live = instances.writingBoth(migrationId);
        return new StartCondition(live.satisfied(), "the shared phase was " + phase + "; " + live.description());
    }

    private void finish(JobRun run) {
        List<Difference> examples = run.kind().isVerification() ? jobs.examples(run.id(), settings.maxExamples())
                : List.of();
        Map<String, Long> extra = run.kind().isVerification()
                ? Map.of(Counts.UNREPAIRED, unrepaired.applyAsLong(run.migrationId()))
                : run.kind() == JobKind.REVERSE_COPY
                        ? Map.of(Counts.NEW_ONLY, CopyProcessor.newOnlyRemaining(stores.forMigration(run.migrationId())))
                        : Map.of();
        if (jobs.finish(run.id(), clock.instant(), extra, examples)) {
            JobRun finished = jobs.run(run.id()).orElseThrow();
            log.info("{} run {} of migration '{}' finished: {}", capitalized(run.kind()), run.id(), run.migrationId(),
                    JobReport.summary(finished));
        }
    }

    /** This process's view of a run's pace, for logs and gauges. */
    final class Progress {

        private final String runId;

        private final long estimatedTotal;

        private final AtomicLong processedHere = new AtomicLong();

        private volatile Instant windowStart;

        private volatile long windowCount;

        private volatile double rate;

        private volatile long processedOverall;

        private volatile Instant lastLog;

        Progress(JobRun run) {
            this.runId = run.id();
            this.estimatedTotal = run.estimatedTotal();
            this.windowStart = clock.instant();
            this.lastLog = clock.instant();
            this.processedOverall = run.processed();
        }

        /** Documents per second processed by this process over the last window. */
        double rate() {
            return rate;
        }

        /** Estimated documents left in the run. */
        long remaining() {
            return Math.max(0, estimatedTotal - processedOverall);
        }

        synchronized void batch(int documents) {
            processedHere.addAndGet(documents);
            windowCount += documents;
            Instant now = clock.instant();
            Duration window = Duration.between(windowStart, now);
            if (window.toMillis() >= 1000) {
                rate = windowCount * 1000d / window.toMillis();
                windowStart = now;
                windowCount = 0;
            }
            if (Duration.between(lastLog, now).compareTo(settings.logInterval()) >= 0) {
                lastLog = now;
                jobs.run(runId).ifPresent(run -> {
                    processedOverall = run.processed();
                    log.info("{}", JobReport.progressLine(run, rate, now));
                });
            }
        }
    }

    /** One worker thread: leases partitions until the run is over for this process. */
    private final class Worker {

        private final JobHandle handle;

        private final PhasedStore<?> store;

        private final BatchProcessor processor;

        private final JobRun run;

        private final String worker;

        private final Progress progress;

        private final RateLimiter limiter = new RateLimiter(clock);

        Worker(JobHandle handle, PhasedStore<?> store, BatchProcessor processor, JobRun run, String worker,
                Progress progress) {
            this.handle = handle;
            this.store = store;
            this.processor = processor;
            this.run = run;
            this.worker = worker;
            this.progress = progress;
        }

        void run() {
            int failures = 0;
            try {
                while (!handle.stopRequested()) {
                    try {
                        if (!step()) {
                            return;
                        }
                        failures = 0;
                    }
                    catch (RuntimeException ex) {
                        failures++;
                        if (failures >= settings.maxConsecutiveFailures()) {
                            log.error("Worker {} of {} run {} gives up after {} failures in a row", worker,
                                    run.kind().tag(), run.id(), failures, ex);
                            handle.failed(ex);
                            return;
                        }
                        log.warn("Worker {} of {} run {} failed ({} in a row), retrying: {}", worker, run.kind().tag(),
                                run.id(), failures, ex.toString());
                        sleeper.sleep(settings.pollInterval().multipliedBy(failures));
                    }
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            finally {
                handle.workerExited();
            }
        }

        /** Takes and processes one partition, or waits; false when this worker is done. */
        private boolean step() throws InterruptedException {
            JobStore.Control control = jobs.control(run.id());
            if (!control.status().isActive()) {
                return false;
            }
            if (control.status() == JobStatus.PAUSED) {
                sleeper.sleep(settings.pollInterval());
                return true;
            }
            JobStore.Lease lease = jobs.acquire(run.id(), worker, clock.instant(), settings.leaseTtl());
            if (lease == null) {
                if (jobs.allDone(run.id())) {
                    finish(run);
                    return false;
                }
                sleeper.sleep(settings.pollInterval()); // other workers hold the rest; take over if they die
                return true;
            }
            if (lease.previousOwner() != null) {
                log.info("Worker {} took over partition {} of {} run {} from {} (lease expired)", worker,
                        lease.index(), run.kind().tag(), run.id(), lease.previousOwner());
            }
            listeners.forEach(l -> l.partitionLeased(run, lease.index(), worker, lease.previousOwner()));
            try {
                process(lease);
            }
            catch (RuntimeException ex) {
                jobs.release(lease.id(), worker);
                throw ex;
            }
            return true;
        }

        private void process(JobStore.Lease lease) throws InterruptedException {
            int batchSize = run.batchSize();
            int examplesWanted = settings.maxExamples();
            try (MongoCursor<Document> cursor = store.shape(lease.side()).collection().find(range(lease))
                    .sort(Sorts.ascending("_id")).batchSize(batchSize).iterator();
                    BatchReader batches = new BatchReader(cursor, batchSize, Thread.currentThread().getName()
                            + "-reader")) {
                while (true) {
                    List<Document> batch = batches.next();
                    if (batch.isEmpty()) {
                        jobs.complete(lease.id(), worker);
                        return;
                    }
                    if (!mayGoOn(lease, batch.size())) {
                        jobs.release(lease.id(), worker);
                        return;
                    }
                    batches.readAhead();
                    List<Object> ids = new ArrayList<>(batch.size());
                    batch.forEach(document -> ids.add(document.get("_id")));
                    listeners.forEach(l -> l.batchRead(run, lease.index(), ids));
                    BatchProcessor.Result result = processor.process(lease.side(), batch, examplesWanted);
                    examplesWanted = Math.max(0, examplesWanted - result.examples().size());
                    boolean done = !batches.hasNext();
                    Object lastId = ids.get(ids.size() - 1);
                    if (!jobs.checkpoint(lease.id(), worker, lastId, result.counts(), result.examples(),
                            clock.instant().plus(settings.leaseTtl()), done)) {
                        log.warn("Worker {} lost its lease on partition {} of {} run {} (it expired and was taken "
                                + "over); its last batch was written under the version guard and is harmless",
                                worker, lease.index(), run.kind().tag(), run.id());
                        return;
                    }
                    progress.batch(batch.size());
                    if (metrics != null) {
                        metrics.batch(run.migrationId(), run.kind(), result.counts());
                    }
                    listeners.forEach(l -> l.batchDone(run, lease.index(), result.counts()));
                    if (done) {
                        return;
                    }
                }
            }
        }

        /**
         * Checks the run's control settings before a batch and waits for the rate limit (renewing the lease during
         * long waits); false when the worker must give the partition back (paused, cancelled, stopping, lease lost).
         */
        private boolean mayGoOn(JobStore.Lease lease, int documents) throws InterruptedException {
            JobStore.Control control = jobs.control(run.id());
            if (control.status() != JobStatus.RUNNING || handle.stopRequested()) {
                return false;
            }
            if (control.rate() <= 0) {
                limiter.setRate(0);
                return true;
            }
            int sharing = Math.max(1, jobs.liveLeases(run.id(), clock.instant()));
            limiter.setRate(control.rate() / sharing);
            Duration wait = limiter.reserve(documents);
            Duration slice = min(settings.pollInterval(), settings.leaseTtl().dividedBy(3));
            while (wait.compareTo(Duration.ZERO) > 0) {
                if (handle.stopRequested() || jobs.control(run.id()).status() != JobStatus.RUNNING) {
                    return false; // a stop, pause or cancel does not wait out the rate limit
                }
                Duration step = min(wait, slice);
                sleeper.sleep(step);
                wait = wait.minus(step);
                if (!jobs.renew(lease.id(), worker, clock.instant().plus(settings.leaseTtl()))) {
                    return false;
                }
            }
            return true;
        }

        private Bson range(JobStore.Lease lease) {
            List<Bson> bounds = new ArrayList<>();
            if (lease.hasAfter()) {
                bounds.add(Filters.gt("_id", lease.after()));
            }
            else if (lease.lower() != null) {
                bounds.add(Filters.gte("_id", lease.lower()));
            }
            if (lease.upper() != null) {
                bounds.add(Filters.lt("_id", lease.upper()));
            }
            return bounds.isEmpty() ? new Document() : Filters.and(bounds);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String capitalized(JobKind kind) {
        return Character.toUpperCase(kind.tag().charAt(0)) + kind.tag().substring(1);
    }

    private static String processName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        }
        catch (Exception ex) {
            host = "unknown-host";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
