package io.dualwrite.copier;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;

/**
 * Splits a collection's {@code _id} space into ranges of about equal size, from the ids in order: the ids at the
 * quantile ranks, or for very large collections a random sample sorted by the server.
 * <p>
 * MongoDB compares values of different BSON types by type first and range queries only match values of the queried
 * type, so partitions (and resuming after a checkpoint) need every {@code _id} to be of one type; all numeric types
 * count as one. A collection whose smallest and largest {@code _id} differ in type is refused with a clear message.
 */
final class Partitioner {

    private static final int SAMPLES_PER_PARTITION = 20;

    /** Up to this many documents the boundaries come from a scan of the ids rather than a random sample. */
    static final long SCAN_LIMIT = 5_000_000;

    private Partitioner() {
    }

    /** The boundaries between {@code partitions} ranges (fewer when the collection is small); empty for one range. */
    static List<Object> boundaries(MongoCollection<Document> collection, int partitions) {
        Document first = collection.find().projection(Projections.include("_id")).sort(Sorts.ascending("_id"))
                .limit(1).first();
        if (first == null || partitions <= 1) {
            return List.of();
        }
        Document last = collection.find().projection(Projections.include("_id")).sort(Sorts.descending("_id"))
                .limit(1).first();
        Object lowest = first.get("_id");
        Object highest = last.get("_id");
        String type = typeBracket(lowest);
        if (!type.equals(typeBracket(highest))) {
            throw new IllegalStateException("Collection '" + collection.getNamespace().getCollectionName()
                    + "' holds _id values of different types (" + type + " " + lowest + " and " + typeBracket(highest)
                    + " " + highest + "); the copier scans and resumes in _id order and needs a single _id type: "
                    + "run it with one partition per type-homogeneous collection or convert the ids first");
        }
        List<Object> sample = sample(collection, partitions, type);
        List<Object> boundaries = new ArrayList<>();
        for (int i = 1; i < partitions && !sample.isEmpty(); i++) {
            Object candidate = sample.get(Math.min(sample.size() - 1, (int) ((long) i * sample.size() / partitions)));
            boolean repeated = !boundaries.isEmpty() && Objects.equals(boundaries.get(boundaries.size() - 1),
                    candidate);
            if (!repeated && !Objects.equals(candidate, lowest)) {
                boundaries.add(candidate);
            }
        }
        return boundaries;
    }

    /**
     * Ids in order from which to pick the boundaries: for collections up to {@value #SCAN_LIMIT} documents the exact
     * quantiles, the id at rank {@code i * n / partitions} for each boundary, each found by skipping along the
     * {@code _id} index (no id is sent to this process but the boundaries themselves); a server-side random sample
     * ({@code $sample}, then sorted) above.
     * <p>
     * Each quantile is a query of its own, so writes between them can shift the ranks, and in the extreme put a
     * boundary before the previous one. Partitions still cover every id (an id lies in the range starting at the last
     * boundary not after it); they merely overlap or come out empty, and the guarded writes make a document copied
     * twice harmless.
     */
    private static List<Object> sample(MongoCollection<Document> collection, int partitions, String type) {
        long estimated = collection.estimatedDocumentCount();
        int wanted = Math.min(partitions * SAMPLES_PER_PARTITION, 100_000);
        List<Object> sample = new ArrayList<>();
        if (estimated <= SCAN_LIMIT) {
            for (int i = 1; i < partitions; i++) {
                Document at = collection.find().projection(Projections.include("_id")).sort(Sorts.ascending("_id"))
                        .skip((int) (i * estimated / partitions)).limit(1).first();
                if (at != null && typeBracket(at.get("_id")).equals(type)) {
                    sample.add(at.get("_id"));
                }
            }
            return sample;
        }
        for (Document document : collection.aggregate(List.of(Aggregates.sample(wanted),
                Aggregates.project(Projections.include("_id")), Aggregates.sort(Sorts.ascending("_id"))))) {
            Object id = document.get("_id");
            if (typeBracket(id).equals(type)) {
                sample.add(id);
            }
        }
        return sample;
    }

    /** MongoDB's comparison bracket of a value: numbers compare with each other, other types only with themselves. */
    static String typeBracket(Object value) {
        if (value instanceof Number || value instanceof Decimal128) {
            return "number";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof ObjectId) {
            return "ObjectId";
        }
        if (value instanceof Date) {
            return "date";
        }
        if (value instanceof Binary) {
            return "binary";
        }
        if (value instanceof BsonTimestamp) {
            return "timestamp";
        }
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
