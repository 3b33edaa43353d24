package io.dualwrite.copier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bson.Document;
import org.bson.conversions.Bson;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;

import io.dualwrite.Phase;
import io.dualwrite.Shape;

/**
 * Where job runs keep their state, in MongoDB, so that every process working on a run sees the same runs,
 * partitions, leases, checkpoints and control settings:
 * <ul>
 * <li>the runs collection holds one document per run, plus one "active" pointer per migration and kind whose
 * insert-if-absent decides which run concurrent starters join;</li>
 * <li>the partitions collection holds one document per {@code _id} range of a run: bounds, checkpoint (the last
 * {@code _id} processed), counters, lease owner and lease expiry;</li>
 * <li>the dead-letter collection holds one document per migration, direction (copy or reverse copy) and
 * unconvertible source document.</li>
 * </ul>
 */
public final class JobStore {

    private static final String ACTIVE_PREFIX = "active/";

    private final MongoCollection<Document> runs;

    private final MongoCollection<Document> partitions;

    private final MongoCollection<Document> deadLetters;

    public JobStore(MongoDatabase database, String runs, String partitions, String deadLetters) {
        this.runs = database.getCollection(runs, Document.class);
        this.partitions = database.getCollection(partitions, Document.class);
        this.deadLetters = database.getCollection(deadLetters, Document.class);
    }

    /** A run to create: its description and partition bounds (each bound {@code null} for unbounded). */
    record NewRun(String id, String migrationId, JobKind kind, Instant startedAt, String startedBy, Phase phase,
            boolean allWritingBoth, String startCondition, long estimatedTotal, int batchSize, double rate,
            List<Object> boundaries, List<Shape> sides) {
    }

    // ------------------------------------------------------------------ runs

    /** The active run of a migration and kind, if any. */
    public Optional<JobRun> active(String migrationId, JobKind kind) {
        Document pointer = runs.find(Filters.eq("_id", activeId(migrationId, kind))).first();
        if (pointer == null) {
            return Optional.empty();
        }
        return run(pointer.getString("run")).filter(run -> run.status().isActive());
    }

    /**
     * Joins the active run of the migration and kind, or creates {@code candidate} when there is none; of several
     * processes creating at once exactly one run wins and the others join it.
     */
    JobRun createOrJoin(NewRun candidate) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Optional<JobRun> active = active(candidate.migrationId(), candidate.kind());
            if (active.isPresent()) {
                return active.get();
            }
            clearStalePointer(candidate.migrationId(), candidate.kind());
            insertRun(candidate);
            try {
                runs.insertOne(new Document("_id", activeId(candidate.migrationId(), candidate.kind()))
                        .append("run", candidate.id()));
                return run(candidate.id()).orElseThrow();
            }
            catch (MongoWriteException ex) {
                if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                    throw ex;
                }
                // another process created a run at the same moment: withdraw ours and join theirs
                partitions.deleteMany(Filters.eq("run", candidate.id()));
                runs.deleteOne(Filters.eq("_id", candidate.id()));
            }
        }
        throw new IllegalStateException("Could not create or join a " + candidate.kind().tag() + " run of migration '"
                + candidate.migrationId() + "': the active run changed 20 times in a row");
    }

    /**
     * Removes a pointer to a run that is over (or gone). A pointer to an active run is never removed: it may have been
     * created by another process since this one looked, and removing it would make two active runs.
     */
    private void clearStalePointer(String migrationId, JobKind kind) {
        Document pointer = runs.find(Filters.eq("_id", activeId(migrationId, kind))).first();
        if (pointer == null) {
            return;
        }
        Document run = runs.find(Filters.eq("_id", pointer.get("run"))).projection(new Document("status", 1)).first();
        if (run == null || !JobStatus.valueOf(run.getString("status")).isActive()) {
            runs.deleteOne(Filters.and(Filters.eq("_id", pointer.get("_id")), Filters.eq("run", pointer.get("run"))));
        }
    }

    private void insertRun(NewRun run) {
        runs.insertOne(new Document("_id", run.id())
                .append("migration", run.migrationId())
                .append("kind", run.kind().tag())
                .append("status", JobStatus.RUNNING.name())
                .append("startedAt", Date.from(run.startedAt()))
                .append("startedBy", run.startedBy())
                .append("phaseAtStart", run.phase().name())
                .append("allWritingBothAtStart", run.allWritingBoth())
                .append("startCondition", run.startCondition())
                .append("estimatedTotal", run.estimatedTotal())
                .append("batchSize", run.batchSize())
                .append("partitions", (run.boundaries().size() + 1) * run.sides().size())
                .append("rate", run.rate()));
        List<Document> ranges = new ArrayList<>();
        List<Object> bounds = run.boundaries();
        int index = 0;
        for (Shape side : run.sides()) {
            for (int i = 0; i <= bounds.size(); i++) {
                Document partition = new Document("_id", run.id() + "/" + index).append("run", run.id())
                        .append("index", index).append("side", side.tag()).append("done", false)
                        .append("owner", null).append("leaseUntil", null).append("counts", new Document());
                if (i > 0) {
                    partition.append("lower", bounds.get(i - 1));
                }
                if (i < bounds.size()) {
                    partition.append("upper", bounds.get(i));
                }
                ranges.add(partition);
                index++;
            }
        }
        partitions.insertMany(ranges);
    }

    /** A run by id, with counters summed over its partitions while it is active. */
    public Optional<JobRun> run(String runId) {
        Document run = runs.find(Filters.eq("_id", runId)).first();
        return Optional.ofNullable(run).map(this::toRun);
    }

    /** The most recent runs of a migration and kind, newest first. */
    public List<JobRun> recent(String migrationId, JobKind kind, int limit) {
        List<JobRun> result = new ArrayList<>();
        for (Document run : runs.find(Filters.and(Filters.eq("migration", migrationId),
                Filters.eq("kind", kind.tag()))).sort(Sorts.descending("startedAt")).limit(limit)) {
            result.add(toRun(run));
        }
        return result;
    }

    /** The most recently started finished run of a migration and kind. */
    public Optional<JobRun> latestFinished(String migrationId, JobKind kind) {
        Document run = runs.find(Filters.and(Filters.eq("migration", migrationId), Filters.eq("kind", kind.tag()),
                Filters.eq("status", JobStatus.FINISHED.name()))).sort(Sorts.descending("startedAt")).first();
        return Optional.ofNullable(run).map(this::toRun);
    }

    /**
     * The finished (not cancelled) runs of a migration and kind that started after {@code after}, newest first: "a
     * reverse copy that finished and started after the migration last entered READ_NEW_WRITE_NEW" is
     * {@code finishedStartedAfter(id, REVERSE_COPY, entered)}, and "a reverse verification that started after that
     * copy finished" is {@code finishedStartedAfter(id, REVERSE_VERIFY, copy.finishedAt())}.
     */
    public List<JobRun> finishedStartedAfter(String migrationId, JobKind kind, Instant after) {
        List<JobRun> result = new ArrayList<>();
        for (Document run : runs.find(Filters.and(Filters.eq("migration", migrationId), Filters.eq("kind", kind.tag()),
                Filters.eq("status", JobStatus.FINISHED.name()), Filters.gt("startedAt", Date.from(after))))
                .sort(Sorts.descending("startedAt"))) {
            result.add(toRun(run));
        }
        return result;
    }

    /** Moves a run from one status to another; false when it was not in {@code from}. */
    boolean changeStatus(String runId, JobStatus from, JobStatus to, Instant now) {
        Bson update = to == JobStatus.CANCELLED || to == JobStatus.FINISHED
                ? Updates.combine(Updates.set("status", to.name()), Updates.set("finishedAt", Date.from(now)))
                : Updates.set("status", to.name());
        boolean changed = runs.updateOne(Filters.and(Filters.eq("_id", runId), Filters.eq("status", from.name())),
                update).getMatchedCount() == 1;
        if (changed && !to.isActive()) {
            releaseActivePointer(runId);
        }
        return changed;
    }

    /** Frees the active pointer of the run's migration and kind, if it still points at this run. */
    private void releaseActivePointer(String runId) {
        Document run = runs.find(Filters.eq("_id", runId)).first();
        runs.deleteOne(Filters.and(Filters.eq("_id", activeId(run.getString("migration"),
                JobKind.fromTag(run.getString("kind")))), Filters.eq("run", runId)));
    }

    /** What workers check before every batch: the run's status and rate. */
    record Control(JobStatus status, double rate) {
    }

    /** The run's status and rate, read before every batch. */
    Control control(String runId) {
        Document run = runs.find(Filters.eq("_id", runId)).projection(new Document("status", 1).append("rate", 1))
                .first();
        if (run == null) {
            return new Control(JobStatus.CANCELLED, 0);
        }
        return new Control(JobStatus.valueOf(run.getString("status")), ((Number) run.get("rate")).doubleValue());
    }

    /** Changes the run-wide rate limit. */
    void setRate(String runId, double rate) {
        runs.updateOne(Filters.eq("_id", runId), Updates.set("rate", rate));
    }

    /**
     * Finishes a run whose partitions are all done: stores the summed counters (plus {@code extra}) and the examples,
     * and frees the active pointer. False when it was not running or a partition is still open.
     */
    boolean finish(String runId, Instant now, Map<String, Long> extra, List<Difference> examples) {
        if (!allDone(runId)) {
            return false;
        }
        Map<String, Long> counts = new LinkedHashMap<>(sumCounts(runId));
        extra.forEach((key, value) -> counts.merge(key, value, Long::sum));
        List<Document> stored = new ArrayList<>();
        for (Difference difference : examples) {
            stored.add(DifferenceCodec.toDocument(difference));
        }
        boolean finished = runs.updateOne(Filters.and(Filters.eq("_id", runId),
                Filters.eq("status", JobStatus.RUNNING.name())), Updates.combine(
                        Updates.set("status", JobStatus.FINISHED.name()), Updates.set("finishedAt", Date.from(now)),
                        Updates.set("counts", new Document(new LinkedHashMap<>(counts))),
                        Updates.set("examples", stored))).getMatchedCount() == 1;
        if (finished) {
            releaseActivePointer(runId);
        }
        return finished;
    }

    // ------------------------------------------------------------------ partitions and leases

    /** A partition leased by a worker. */
    record Lease(String id, int index, Shape side, Object lower, Object upper, Object after, boolean hasAfter,
            String previousOwner) {
    }

    /**
     * Leases the first open partition that nobody holds or whose lease has expired; {@code null} when none.
     */
    Lease acquire(String runId, String worker, Instant now, Duration ttl) {
        Document before = partitions.findOneAndUpdate(
                Filters.and(Filters.eq("run", runId), Filters.eq("done", false),
                        Filters.or(Filters.eq("owner", null), Filters.lt("leaseUntil", Date.from(now)))),
                Updates.combine(Updates.set("owner", worker), Updates.set("leaseUntil", Date.from(now.plus(ttl)))),
                new FindOneAndUpdateOptions().sort(Sorts.ascending("index")).returnDocument(ReturnDocument.BEFORE));
        if (before == null) {
            return null;
        }
        Shape side = Shape.OLD.tag().equals(before.getString("side")) ? Shape.OLD : Shape.NEW;
        return new Lease(before.getString("_id"), before.getInteger("index"), side, before.get("lower"),
                before.get("upper"), before.get("after"), before.containsKey("after"), before.getString("owner"));
    }

    /**
     * Records a processed batch: the checkpoint, the counters, the examples, and a renewed lease. False when the
     * worker no longer holds the lease (it expired and another worker took the partition over).
     */
    boolean checkpoint(String partitionId, String worker, Object lastId, Map<String, Long> counts,
            List<Difference> examples, Instant leaseUntil, boolean done) {
        List<Bson> updates = new ArrayList<>();
        updates.add(Updates.set("after", lastId));
        counts.forEach((key, value) -> updates.add(Updates.inc("counts." + key, value)));
        for (Difference difference : examples) {
            updates.add(Updates.push("examples", DifferenceCodec.toDocument(difference)));
        }
        if (done) {
            updates.add(Updates.set("done", true));
            updates.add(Updates.set("owner", null));
            updates.add(Updates.set("leaseUntil", null));
        }
        else {
            updates.add(Updates.set("leaseUntil", Date.from(leaseUntil)));
        }
        return partitions.updateOne(Filters.and(Filters.eq("_id", partitionId), Filters.eq("owner", worker)),
                Updates.combine(updates)).getMatchedCount() == 1;
    }

    /** Marks a partition done without a new checkpoint (its range had nothing left). */
    boolean complete(String partitionId, String worker) {
        return partitions.updateOne(Filters.and(Filters.eq("_id", partitionId), Filters.eq("owner", worker)),
                Updates.combine(Updates.set("done", true), Updates.set("owner", null),
                        Updates.set("leaseUntil", null))).getMatchedCount() == 1;
    }

    /** Renews a lease without progress (a slow batch, a long wait for the rate limit). */
    boolean renew(String partitionId, String worker, Instant leaseUntil) {
        return partitions.updateOne(Filters.and(Filters.eq("_id", partitionId), Filters.eq("owner", worker)),
                Updates.set("leaseUntil", Date.from(leaseUntil))).getMatchedCount() == 1;
    }

    /** Gives a partition back (pause, cancel, orderly stop) so that any worker can take it at once. */
    void release(String partitionId, String worker) {
        partitions.updateOne(Filters.and(Filters.eq("_id", partitionId), Filters.eq("owner", worker)),
                Updates.combine(Updates.set("owner", null), Updates.set("leaseUntil", null)));
    }

    /** Partitions of the run currently leased by a live worker. */
    int liveLeases(String runId, Instant now) {
        return (int) partitions.countDocuments(Filters.and(Filters.eq("run", runId), Filters.eq("done", false),
                Filters.gte("leaseUntil", Date.from(now))));
    }

    /** Whether every partition of the run is done. */
    boolean allDone(String runId) {
        return partitions.countDocuments(Filters.and(Filters.eq("run", runId), Filters.eq("done", false))) == 0;
    }

    /** The examples collected by the run's partitions. */
    List<Difference> examples(String runId, int limit) {
        List<Difference> result = new ArrayList<>();
        for (Document partition : partitions.find(Filters.eq("run", runId)).sort(Sorts.ascending("index"))) {
            for (Document example : partition.getList("examples", Document.class, List.of())) {
                if (result.size() < limit) {
                    result.add(DifferenceCodec.fromDocument(example));
                }
            }
        }
        return result;
    }

    private Map<String, Long> sumCounts(String runId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Document partition : partitions.find(Filters.eq("run", runId))) {
            Document partitionCounts = partition.get("counts", Document.class);
            if (partitionCounts != null) {
                partitionCounts.forEach((key, value) -> counts.merge(key, ((Number) value).longValue(), Long::sum));
            }
        }
        return counts;
    }

    // ------------------------------------------------------------------ dead letters

    /** Records (or refreshes) a dead letter of the copy for a source document. */
    void deadLetter(String migrationId, String runId, Object documentId, String error, Instant now) {
        deadLetter(JobKind.COPY, migrationId, runId, documentId, error, now);
    }

    /**
     * Records (or refreshes) a dead letter for a source document of a copy ({@link JobKind#COPY}: old documents) or
     * reverse copy ({@link JobKind#REVERSE_COPY}: new documents, stored with {@code kind: "reverse-copy"}).
     */
    void deadLetter(JobKind kind, String migrationId, String runId, Object documentId, String error, Instant now) {
        Document letter = new Document("migration", migrationId).append("documentId", documentId).append("run", runId)
                .append("error", error).append("at", Date.from(now));
        if (kind == JobKind.REVERSE_COPY) {
            letter.append("kind", kind.tag());
        }
        deadLetters.replaceOne(Filters.and(ofCopy(kind, migrationId), Filters.eq("documentId", documentId)), letter,
                new ReplaceOptions().upsert(true));
    }

    /** Removes the copy's dead letters of documents that now convert. */
    void clearDeadLetters(String migrationId, Collection<Object> documentIds) {
        clearDeadLetters(JobKind.COPY, migrationId, documentIds);
    }

    /** Removes the dead letters of documents that now convert, for a copy or a reverse copy. */
    void clearDeadLetters(JobKind kind, String migrationId, Collection<Object> documentIds) {
        if (!documentIds.isEmpty()) {
            deadLetters.deleteMany(Filters.and(ofCopy(kind, migrationId), Filters.in("documentId", documentIds)));
        }
    }

    /** How many dead letters the copy of a migration has. */
    public long countDeadLetters(String migrationId) {
        return countDeadLetters(JobKind.COPY, migrationId);
    }

    /** How many dead letters the copy or the reverse copy of a migration has. */
    public long countDeadLetters(JobKind kind, String migrationId) {
        return deadLetters.countDocuments(ofCopy(kind, migrationId));
    }

    /** The dead letters of a migration's copy, oldest first. */
    public List<DeadLetter> deadLetters(String migrationId, int limit) {
        return deadLetters(JobKind.COPY, migrationId, limit);
    }

    /** The dead letters of a migration's copy or reverse copy, oldest first. */
    public List<DeadLetter> deadLetters(JobKind kind, String migrationId, int limit) {
        List<DeadLetter> result = new ArrayList<>();
        for (Document letter : deadLetters.find(ofCopy(kind, migrationId)).sort(Sorts.ascending("at"))
                .limit(limit)) {
            result.add(new DeadLetter(migrationId, letter.get("documentId"), letter.getString("run"),
                    letter.getString("error"), letter.getDate("at").toInstant()));
        }
        return result;
    }

    /** The dead letters of one direction: the reverse copy's carry {@code kind}, the copy's (older) ones do not. */
    private static Bson ofCopy(JobKind kind, String migrationId) {
        if (!kind.isCopy()) {
            throw new IllegalArgumentException("Only copies have dead letters, not " + kind.tag());
        }
        return Filters.and(Filters.eq("migration", migrationId), kind == JobKind.REVERSE_COPY
                ? Filters.eq("kind", JobKind.REVERSE_COPY.tag()) : Filters.ne("kind", JobKind.REVERSE_COPY.tag()));
    }

    // ------------------------------------------------------------------ mapping

    private JobRun toRun(Document run) {
        String id = run.getString("_id");
        JobStatus status = JobStatus.valueOf(run.getString("status"));
        Map<String, Long> counts;
        List<Difference> examples = new ArrayList<>();
        if (status.isActive() || !run.containsKey("counts")) {
            counts = sumCounts(id);
        }
        else {
            counts = new LinkedHashMap<>();
            run.get("counts", Document.class).forEach((key, value) -> counts.put(key, ((Number) value).longValue()));
            for (Document example : run.getList("examples", Document.class, List.of())) {
                examples.add(DifferenceCodec.fromDocument(example));
            }
        }
        int total = run.getInteger("partitions", 0);
        int done = (int) partitions.countDocuments(Filters.and(Filters.eq("run", id), Filters.eq("done", true)));
        Date finished = run.getDate("finishedAt");
        return new JobRun(id, run.getString("migration"), JobKind.fromTag(run.getString("kind")), status,
                run.getDate("startedAt").toInstant(), finished == null ? null : finished.toInstant(),
                run.getString("startedBy"), Phase.valueOf(run.getString("phaseAtStart")),
                run.getBoolean("allWritingBothAtStart", false), run.getString("startCondition"),
                ((Number) run.get("estimatedTotal")).longValue(), run.getInteger("batchSize", 0), total, done,
                ((Number) run.get("rate")).doubleValue(), counts, examples);
    }

    private static String activeId(String migrationId, JobKind kind) {
        return ACTIVE_PREFIX + migrationId + "/" + kind.tag();
    }
}
