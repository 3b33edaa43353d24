package io.dualwrite.repair;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;

/**
 * The repairs collection. The write protocol inserts the records ({@code migration, entityId, shape, version, kind,
 * message, at, repaired}); the repair job adds its own fields: {@code attempts}, {@code lastError},
 * {@code lastAttemptAt}, {@code nextAttemptAt}, {@code repairedAt}, {@code resolution}, {@code repairedBy}, and the
 * lease ({@code leaseOwner}, {@code leaseUntil}) of the process repairing it.
 */
final class RepairStore {

    static final String MIGRATION = "migration";

    static final String ENTITY_ID = "entityId";

    static final String SHAPE = "shape";

    static final String VERSION = "version";

    static final String AT = "at";

    static final String REPAIRED = "repaired";

    static final String REPAIRED_AT = "repairedAt";

    static final String REPAIRED_BY = "repairedBy";

    static final String RESOLUTION = "resolution";

    static final String ATTEMPTS = "attempts";

    static final String LAST_ERROR = "lastError";

    static final String LAST_ATTEMPT_AT = "lastAttemptAt";

    static final String NEXT_ATTEMPT_AT = "nextAttemptAt";

    static final String LEASE_OWNER = "leaseOwner";

    static final String LEASE_UNTIL = "leaseUntil";

    private static final Logger log = LoggerFactory.getLogger(RepairStore.class);

    private final MongoCollection<Document> collection;

    private volatile boolean indexed;

    RepairStore(MongoCollection<Document> collection) {
        this.collection = collection;
    }

    MongoCollection<Document> collection() {
        return collection;
    }

    /** Records of the migration not repaired yet (what the verifier counts too). */
    long countUnrepaired(String migrationId) {
        ensureIndex();
        return collection.countDocuments(unrepaired(migrationId));
    }

    /** The ids of the migration's unrepaired records, oldest first. */
    List<Object> unrepairedIds(String migrationId) {
        ensureIndex();
        List<Object> ids = new ArrayList<>();
        for (Document record : collection.find(unrepaired(migrationId)).projection(Projections.include("_id"))
                .sort(Sorts.ascending("_id"))) {
            ids.add(record.get("_id"));
        }
        return ids;
    }

    /**
     * Up to {@code limit} unrepaired records of any migration that are due: their next attempt is due, or (never
     * attempted) they were recorded at least {@code delay} ago (or hold no time at all). Only {@code _id} and
     * {@code migration}, oldest first.
     */
    List<Document> due(Instant now, Duration delay, int limit) {
        Date current = Date.from(now);
        Bson neverTried = Filters.eq(NEXT_ATTEMPT_AT, null);
        Bson due = Filters.and(Filters.eq(REPAIRED, false), Filters.or(
                Filters.lte(NEXT_ATTEMPT_AT, current),
                Filters.and(neverTried, Filters.lte(AT, Date.from(now.minus(delay)))),
                Filters.and(neverTried, Filters.eq(AT, null))));
        return collection.find(due).projection(Projections.include("_id", MIGRATION)).sort(Sorts.ascending("_id"))
                .limit(limit).into(new ArrayList<>());
    }

    /** The migration's unrepaired records, oldest first. */
    List<Document> pending(String migrationId, int limit) {
        return collection.find(unrepaired(migrationId)).sort(Sorts.ascending(AT, "_id")).limit(limit)
                .into(new ArrayList<>());
    }

    /** The migration's records, repaired or not, most recent first. */
    List<Document> recent(String migrationId, int limit) {
        return collection.find(Filters.eq(MIGRATION, migrationId)).sort(Sorts.descending(AT, "_id")).limit(limit)
                .into(new ArrayList<>());
    }

    /**
     * Takes the record for {@code owner} until {@code now + ttl}, unless it is repaired or another owner holds an
     * unexpired lease on it ({@code findOneAndUpdate}: two processes never both get it).
     *
     * @return the record as claimed, {@code null} when it could not be taken
     */
    Document claim(Object id, String owner, Instant now, Duration ttl) {
        Bson free = Filters.and(Filters.eq("_id", id), Filters.eq(REPAIRED, false),
                Filters.or(Filters.eq(LEASE_UNTIL, null), Filters.lte(LEASE_UNTIL, Date.from(now))));
        return collection.findOneAndUpdate(free,
                Updates.combine(Updates.set(LEASE_OWNER, owner), Updates.set(LEASE_UNTIL, Date.from(now.plus(ttl)))),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
    }

    /** Marks a claimed record repaired; false when the lease was lost meanwhile (the other owner settles it). */
    boolean repaired(Object id, String owner, String resolution, Instant now) {
        return collection.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq(LEASE_OWNER, owner)),
                Updates.combine(Updates.set(REPAIRED, true), Updates.set(REPAIRED_AT, Date.from(now)),
                        Updates.set(RESOLUTION, resolution), Updates.set(REPAIRED_BY, owner),
                        Updates.set(LAST_ATTEMPT_AT, Date.from(now)), Updates.inc(ATTEMPTS, 1),
                        Updates.unset(NEXT_ATTEMPT_AT), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)))
                .getModifiedCount() > 0;
    }

    /** Records a failed attempt of a claimed record and when to try again; false when the lease was lost. */
    boolean failed(Object id, String owner, String error, Instant now, Instant nextAttempt) {
        return collection.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq(LEASE_OWNER, owner)),
                Updates.combine(Updates.set(LAST_ERROR, error), Updates.set(LAST_ATTEMPT_AT, Date.from(now)),
                        Updates.set(NEXT_ATTEMPT_AT, Date.from(nextAttempt)), Updates.inc(ATTEMPTS, 1),
                        Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)))
                .getModifiedCount() > 0;
    }

    private static Bson unrepaired(String migrationId) {
        return Filters.and(Filters.eq(MIGRATION, migrationId), Filters.eq(REPAIRED, false));
    }

    /**
     * An index on exactly the fields of the unrepaired count (the verifier's and the phase guard's question), so that
     * the count reads the unrepaired records only, also on the embedded server. Best effort: without it the count
     * scans.
     */
    private void ensureIndex() {
        if (indexed) {
            return;
        }
        indexed = true; // tried once per process
        try {
            collection.createIndex(Indexes.ascending(MIGRATION, REPAIRED),
                    new IndexOptions().name("dualwrite_unrepaired"));
        }
        catch (RuntimeException ex) {
            log.debug("Could not create the index of {}: {}", collection.getNamespace(), ex.toString());
        }
    }
}
