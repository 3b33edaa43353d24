package io.dualwrite.shadow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.bson.Document;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import io.dualwrite.Phase;
import io.dualwrite.Shape;

/**
 * The mismatch collection (default {@code dualwrite_shadow_mismatches}): one document per confirmed mismatch,
 * {@code {migration, entityId, phase, readShape, kind, fields, readVersion, otherVersion, detail, instance, at}}, shared
 * by every instance. It stays bounded without a TTL index (whose clock would be the server's): after a record, at most
 * once a minute by the injected {@link Clock}, records older than {@code retention} and those beyond the newest
 * {@code maxRecords} of the migration are removed. It has no secondary index: it holds at most {@code maxRecords} per
 * migration, which a read of the newest ones scans.
 */
public class ShadowMismatchStore {

    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);

    private final MongoCollection<Document> collection;

    private final Clock clock;

    private final Duration retention;

    private final int maxRecords;

    private final Map<String, Instant> lastPurge = new ConcurrentHashMap<>();

    /**
     * @param collection where the mismatches are recorded
     * @param clock decides what is older than {@code retention} and when to purge
     * @param retention how long a record is kept
     * @param maxRecords records kept per migration at most
     */
    public ShadowMismatchStore(MongoCollection<Document> collection, Clock clock, Duration retention, int maxRecords) {
        this.collection = Objects.requireNonNull(collection, "collection");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.retention must be positive, was " + retention);
        }
        if (maxRecords < 1) {
            throw new IllegalArgumentException("dualwrite.shadow-reads.max-records must be at least 1, was "
                    + maxRecords);
        }
        this.retention = retention;
        this.maxRecords = maxRecords;
    }

    /** Records a mismatch, then purges old records of its migration if a minute has passed since the last purge. */
    public void record(ShadowMismatch mismatch) {
        collection.insertOne(toDocument(mismatch));
        Instant now = clock.instant();
        Instant last = lastPurge.get(mismatch.migration());
        if (last == null || !now.isBefore(last.plus(PURGE_INTERVAL))) {
            lastPurge.put(mismatch.migration(), now);
            purge(mismatch.migration(), now);
        }
    }

    /** Removes the migration's records older than the retention, and those beyond the newest {@code maxRecords}. */
    public void purge(String migrationId, Instant now) {
        collection.deleteMany(Filters.and(Filters.eq("migration", migrationId),
                Filters.lt("at", Date.from(now.minus(retention)))));
        Document oldestKept = collection.find(Filters.eq("migration", migrationId)).sort(Sorts.descending("at"))
                .skip(maxRecords - 1).limit(1).projection(new Document("at", 1)).first();
        if (oldestKept != null) {
            collection.deleteMany(Filters.and(Filters.eq("migration", migrationId),
                    Filters.lt("at", oldestKept.getDate("at"))));
        }
    }

    /** The newest recorded mismatches of a migration, newest first, from every instance. */
    public List<ShadowMismatch> recent(String migrationId, int limit) {
        List<ShadowMismatch> result = new ArrayList<>();
        for (Document document : collection.find(Filters.eq("migration", migrationId))
                .sort(Sorts.descending("at")).limit(limit)) {
            result.add(fromDocument(document));
        }
        return result;
    }

    /** The collection's name. */
    public String collectionName() {
        return collection.getNamespace().getCollectionName();
    }

    static Document toDocument(ShadowMismatch mismatch) {
        return new Document("migration", mismatch.migration())
                .append("entityId", mismatch.entityId())
                .append("phase", mismatch.phase().name())
                .append("readShape", mismatch.readShape().tag())
                .append("kind", mismatch.kind().name())
                .append("fields", mismatch.fields())
                .append("readVersion", mismatch.readVersion())
                .append("otherVersion", mismatch.otherVersion())
                .append("detail", mismatch.detail())
                .append("instance", mismatch.instance())
                .append("at", Date.from(mismatch.at()));
    }

    static ShadowMismatch fromDocument(Document document) {
        List<String> fields = document.getList("fields", String.class, List.of());
        return new ShadowMismatch(document.getString("migration"), document.get("entityId"),
                Phase.parse(document.getString("phase")),
                Shape.valueOf(document.getString("readShape").toUpperCase(java.util.Locale.ROOT)),
                ShadowMismatch.Kind.valueOf(document.getString("kind")), fields, longOrNull(document, "readVersion"),
                longOrNull(document, "otherVersion"), document.getString("detail"), document.getString("instance"),
                document.getDate("at").toInstant());
    }

    private static Long longOrNull(Document document, String field) {
        Object value = document.get(field);
        return value instanceof Number number ? number.longValue() : null;
    }
}
