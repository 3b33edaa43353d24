package io.dualwrite.repair;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoCollection;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.internal.PhasedStores;

/**
 * The repair job's Java API: how many failed second writes are still unrepaired, which ones, and repairing them now.
 * <p>
 * Every second write of a dual write that did not apply is recorded in the repairs collection (default
 * {@code dualwrite_repairs}) with {@code repaired: false}. Repairing a record re-establishes the shape whose write
 * failed from the other shape as it is now, under the copier's version guard (a newer write is never overwritten, a
 * deleted entity never comes back), then marks the record {@code repaired: true} with {@code repairedAt}. A failed
 * attempt increments {@code attempts}, stores {@code lastError} and backs off ({@code nextAttemptAt}, on the injected
 * {@link Clock}). Any number of processes may repair at once: a process leases each record it works on, and the
 * guarded write is idempotent anyway.
 * <p>
 * The phase guard refuses to read new while {@link #unrepaired(String)} is not 0; the verifier counts the same
 * records as <em>unrepaired</em>.
 */
public final class Repairs {

    private static final Logger log = LoggerFactory.getLogger(Repairs.class);

    /** Most records {@link #recent} and {@link #pending} return. */
    public static final int MAX_LIMIT = 1_000;

    private final MigrationRegistry registry;

    private final RepairStore records;

    private final Repairer repairer;

    private final Clock clock;

    private final RepairSettings settings;

    private final String owner;

    private final RepairMetrics metrics;

    private final Map<String, Counted> pendingCounts = new ConcurrentHashMap<>();

    /**
     * @param registry the declared migrations
     * @param stores their stores
     * @param collection the repairs collection
     * @param clock the time of leases, backoff and {@code repairedAt}
     * @param settings the pacing
     * @param owner this process's name on the leases it takes (the instance id), unique among the processes
     * @param metrics the meters, or {@code null} for none
     */
    public Repairs(MigrationRegistry registry, PhasedStores stores, MongoCollection<Document> collection, Clock clock,
            RepairSettings settings, String owner, RepairMetrics metrics) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.records = new RepairStore(Objects.requireNonNull(collection, "collection"));
        this.repairer = new Repairer(registry, Objects.requireNonNull(stores, "stores"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.metrics = metrics;
        if (metrics != null) {
            for (String migrationId : registry.ids()) {
                metrics.pending(migrationId, () -> pendingForMetrics(migrationId));
            }
        }
    }

    /** The pacing. */
    public RepairSettings settings() {
        return settings;
    }

    /**
     * How many failed second writes of the migration are still unrepaired (read from MongoDB now). The phase guard
     * refuses to read new while this is not 0; a verification is not clean either.
     *
     * @throws IllegalArgumentException naming the declared migrations when none has this id
     */
    public long unrepaired(String migrationId) {
        registry.require(migrationId);
        long count = records.countUnrepaired(migrationId);
        pendingCounts.put(migrationId, new Counted(count, clock.instant()));
        return count;
    }

    /**
     * The migration's unrepaired records, oldest first, with their attempts and last error.
     *
     * @param limit how many at most (1 to {@value #MAX_LIMIT})
     * @throws IllegalArgumentException for an undeclared migration or a limit out of range
     */
    public List<RepairRecord> pending(String migrationId, int limit) {
        registry.require(migrationId);
        checkLimit(limit);
        return records.pending(migrationId, limit).stream().map(RepairRecord::of).toList();
    }

    /**
     * The migration's records, repaired or not, most recent first: for a status page.
     *
     * @param limit how many at most (1 to {@value #MAX_LIMIT})
     * @throws IllegalArgumentException for an undeclared migration or a limit out of range
     */
    public List<RepairRecord> recent(String migrationId, int limit) {
        registry.require(migrationId);
        checkLimit(limit);
        return records.recent(migrationId, limit).stream().map(RepairRecord::of).toList();
    }

    /**
     * Tries every unrepaired record of the migration once, now, whatever its backoff (an operator's command): those
     * another process holds at this moment are skipped.
     *
     * @throws IllegalArgumentException naming the declared migrations when none has this id
     */
    public RepairReport repairNow(String migrationId) {
        registry.require(migrationId);
        Tally tally = new Tally();
        for (Object id : records.unrepairedIds(migrationId)) {
            tally.add(attempt(id));
        }
        RepairReport report = tally.report(migrationId, unrepaired(migrationId));
        logPass(report);
        return report;
    }

    /**
     * One pass of the background loop: up to {@code batchSize} records that are due (recorded at least
     * {@code delay} ago and never tried, or whose backoff has passed), of any migration, oldest first. A record of a
     * migration this application does not declare gets a {@code lastError} saying so and waits the longest backoff.
     *
     * @return one report per migration that had due records, in the order met (a {@code null} migration id for
     * records that name none)
     */
    public List<RepairReport> repairDue() {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (Document due : records.due(clock.instant(), settings.delay(), settings.batchSize())) {
            String migrationId = due.get(RepairStore.MIGRATION) instanceof String id ? id : null;
            tallies.computeIfAbsent(migrationId, id -> new Tally()).add(attempt(due.get("_id")));
        }
        List<RepairReport> reports = new ArrayList<>();
        tallies.forEach((migrationId, tally) -> {
            long remaining = migrationId != null && registry.find(migrationId).isPresent()
                    ? unrepaired(migrationId) : records.countUnrepaired(migrationId);
            RepairReport report = tally.report(migrationId, remaining);
            logPass(report);
            reports.add(report);
        });
        return reports;
    }

    /** What became of one record in a pass. */
    private enum Attempt {
        REPAIRED, FAILED, SKIPPED
    }

    /**
     * Leases the record, repairs it and records the outcome. A failure of the repair is recorded on the record; a
     * failure of the repairs collection itself (MongoDB unreachable) ends the pass.
     */
    private Attempt attempt(Object recordId) {
        Instant now = clock.instant();
        Document record = records.claim(recordId, owner, now, settings.leaseTtl());
        if (record == null) {
            return Attempt.SKIPPED;
        }
        String migrationId = String.valueOf(record.get(RepairStore.MIGRATION));
        int attempts = record.get(RepairStore.ATTEMPTS) instanceof Number number ? number.intValue() : 0;
        String resolution;
        try {
            resolution = repairer.repair(record, now);
        }
        catch (Repairer.BadRecord ex) {
            fail(record, migrationId, attempts, ex.getMessage(), now, now.plus(settings.maxBackoff()));
            return Attempt.FAILED;
        }
        catch (RuntimeException ex) {
            String message = ex.getMessage();
            String error = ex instanceof IllegalStateException && message != null ? message
                    : ex.getClass().getSimpleName() + (message == null ? "" : ": " + message);
            fail(record, migrationId, attempts, error, now, now.plus(settings.backoff(attempts + 1)));
            return Attempt.FAILED;
        }
        Instant done = clock.instant();
        if (!records.repaired(recordId, owner, resolution, done)) {
            log.debug("Repaired record {} of migration '{}', but another process took its lease over meanwhile",
                    recordId, migrationId);
        }
        log.debug("Repaired the {} shape of _id={} (migration '{}'): {}", record.get(RepairStore.SHAPE),
                record.get(RepairStore.ENTITY_ID), migrationId, resolution);
        if (metrics != null) {
            metrics.attempted(migrationId, true);
        }
        return Attempt.REPAIRED;
    }

    private void fail(Document record, String migrationId, int attempts, String error, Instant now, Instant next) {
        log.warn("Could not repair the {} shape of _id={} (migration '{}', attempt {}): {}; next attempt at {}",
                record.get(RepairStore.SHAPE), record.get(RepairStore.ENTITY_ID), migrationId, attempts + 1, error,
                next);
        records.failed(record.get("_id"), owner, error, now, next);
        if (metrics != null) {
            metrics.attempted(migrationId, false);
        }
    }

    private static void logPass(RepairReport report) {
        if (report.repaired() + report.failed() > 0) {
            log.info("Repair pass of migration '{}': {}", report.migrationId(), report.summary());
        }
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
    }

    /**
     * The gauge's value: the count of the last pass or question, read again when older than the interval; the last
     * value known (NaN before any) while MongoDB cannot be read.
     */
    private double pendingForMetrics(String migrationId) {
        Counted counted = pendingCounts.get(migrationId);
        Instant now = clock.instant();
        if (counted != null && now.isBefore(counted.at().plus(settings.interval()))) {
            return counted.count();
        }
        try {
            long count = records.countUnrepaired(migrationId);
            pendingCounts.put(migrationId, new Counted(count, now));
            return count;
        }
        catch (RuntimeException ex) {
            return counted == null ? Double.NaN : counted.count();
        }
    }

    private record Counted(long count, Instant at) {
    }

    private static final class Tally {

        private long repaired;

        private long failed;

        private long skipped;

        void add(Attempt attempt) {
            switch (attempt) {
                case REPAIRED -> repaired++;
                case FAILED -> failed++;
                case SKIPPED -> skipped++;
            }
        }

        RepairReport report(String migrationId, long remaining) {
            return new RepairReport(migrationId, repaired, failed, skipped, remaining);
        }
    }
}
