package io.dualwrite.cleanup;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.bson.Document;
import org.bson.types.ObjectId;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import io.dualwrite.MigrationRegistry;

/**
 * The durable record of executed cleanups, one document per execution, and the questions the phase guard and the
 * status page ask of it. It needs nothing but its collection (and the declared migrations, to reject unknown ids), so
 * a component that only asks "is the old shape gone?" can depend on it without depending on {@link Cleanup}.
 *
 * <pre>
 * { _id: ObjectId, migration: "people-v2", at: ISODate, by: "ops", kind: "DROP_COLLECTION",
 *   collection: "people_v1", fields: [], indexes: ["_id_"], documents: 1200, token: "3f9a..." }
 * </pre>
 */
public class CleanupHistory {

    private final MigrationRegistry registry;

    private final MongoCollection<Document> collection;

    /**
     * @param registry the declared migrations
     * @param collection where executed cleanups are recorded ({@code dualwrite.cleanup.collection})
     */
    public CleanupHistory(MigrationRegistry registry, MongoCollection<Document> collection) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.collection = Objects.requireNonNull(collection, "collection");
    }

    /**
     * Whether a cleanup of the migration has been executed (the old shape is gone, or was found already gone).
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public boolean isCleanedUp(String migrationId) {
        registry.require(migrationId);
        return collection.find(Filters.eq("migration", migrationId)).limit(1).first() != null;
    }

    /**
     * The latest executed cleanup of the migration.
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public Optional<CleanupRecord> lastCleanup(String migrationId) {
        registry.require(migrationId);
        Document document = collection.find(Filters.eq("migration", migrationId))
                .sort(Sorts.descending("at", "_id"))
                .first();
        return Optional.ofNullable(document).map(CleanupHistory::read);
    }

    /** Records an executed cleanup. */
    void insert(CleanupRecord record) {
        collection.insertOne(new Document("_id", new ObjectId(record.id()))
                .append("migration", record.migrationId())
                .append("at", Date.from(record.at()))
                .append("by", record.by())
                .append("kind", record.kind().name())
                .append("collection", record.collection())
                .append("fields", record.fields())
                .append("indexes", record.indexes())
                .append("documents", record.documents())
                .append("token", record.token()));
    }

    private static CleanupRecord read(Document document) {
        Object kind = document.get("kind");
        return new CleanupRecord(String.valueOf(document.get("_id")), document.getString("migration"),
                document.getDate("at").toInstant(), document.getString("by"),
                CleanupPlan.Kind.valueOf(String.valueOf(kind)), document.getString("collection"),
                strings(document.get("fields")), strings(document.get("indexes")),
                document.get("documents") instanceof Number number ? number.longValue() : 0L,
                document.getString("token"));
    }

    private static List<String> strings(Object value) {
        List<String> strings = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(element -> strings.add(String.valueOf(element)));
        }
        return strings;
    }
}
