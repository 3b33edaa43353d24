package io.dualwrite.cleanup;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bson.Document;
import org.bson.types.ObjectId;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

/**
 * The durable record of executed cleanups: one document per execution.
 *
 * <pre>
 * { _id: ObjectId, migration: "people-v2", at: ISODate, by: "ops", kind: "DROP_COLLECTION",
 *   collection: "people_v1", fields: [], indexes: ["_id_"], documents: 1200, token: "3f9a..." }
 * </pre>
 */
final class CleanupRecords {

    private final MongoCollection<Document> collection;

    CleanupRecords(MongoCollection<Document> collection) {
        this.collection = collection;
    }

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

    Optional<CleanupRecord> last(String migrationId) {
        Document document = collection.find(Filters.eq("migration", migrationId))
                .sort(Sorts.descending("at", "_id"))
                .first();
        return Optional.ofNullable(document).map(CleanupRecords::read);
    }

    boolean exists(String migrationId) {
        return collection.find(Filters.eq("migration", migrationId)).limit(1).first() != null;
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
