package io.dualwrite.embedded;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;

/**
 * mongo-java-server's in-memory backend, except that a query which pins {@code _id} to one value (or to an
 * {@code $in} list) <em>and</em> has further conditions is answered from the {@code _id} index. The pin may be the
 * query's own {@code _id} key ({@code {_id: x, version: v}}, as Spring Data renders it) or a clause of a top-level
 * {@code $and} ({@code {$and: [{_id: x}, {version: v}]}}, as the driver's {@code Filters.and} renders it).
 * <p>
 * The stock backend uses an index only when the filter's fields are exactly the index's fields, so the optimistic
 * guard {@code {_id: x, version: v}} scans the whole collection (about 30 writes per second at 100,000 documents).
 * Here the {@code _id} index only supplies the candidate documents (at most one per queried id); the complete
 * original filter is still evaluated on each candidate, in natural order, so results are those of the stock
 * backend. Queries, counts, updates, replaces and deletes all benefit because they all go through
 * {@code queryDocuments}.
 * <p>
 * Values whose index lookup could disagree with the query matcher (regular expressions, arrays, {@code null},
 * operator documents, {@code Decimal128}, numbers beyond 2<sup>53</sup>) are left to the stock code path.
 */
public class IdIndexedMemoryBackend extends MemoryBackend {

    /** Largest magnitude at which every integer has an exact {@code double}; beyond it numeric keys may collide. */
    private static final double EXACT_DOUBLE_LIMIT = 9_007_199_254_740_992d;

    /** A backend on the system clock. */
    public IdIndexedMemoryBackend() {
    }

    /**
     * A backend on the given clock (used by the server for dates it stamps itself).
     *
     * @param clock the clock
     */
    public IdIndexedMemoryBackend(Clock clock) {
        super(clock);
    }

    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
        return new IdIndexedDatabase(databaseName, getCursorRegistry());
    }

    /** A database whose collections are {@link IdIndexedCollection}s (not final: tests instrument it). */
    static class IdIndexedDatabase extends MemoryDatabase {

        IdIndexedDatabase(String databaseName, CursorRegistry cursorRegistry) {
            super(databaseName, cursorRegistry);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new IdIndexedCollection(this, collectionName, options, cursorRegistry);
        }
    }

    /**
     * A memory collection that narrows {@code _id}-pinned queries through the {@code _id} index (not final: tests
     * count the documents it examines).
     */
    static class IdIndexedCollection extends MemoryCollection {

        IdIndexedCollection(MongoDatabase database, String collectionName, CollectionOptions options,
                CursorRegistry cursorRegistry) {
            super(database, collectionName, options, cursorRegistry);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                int batchSize, Document fieldSelector) {
            List<Integer> candidates = candidatePositions(query, orderBy);
            if (candidates == null) {
                return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
            }
            return matchDocuments(query, candidates, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }

        /**
         * The positions of the documents the {@code _id} part of the query can match, in the order a full scan
         * would visit them; {@code null} when this query is not one this class narrows.
         */
        private List<Integer> candidatePositions(Document query, Document orderBy) {
            String idField = getIdField();
            if (query == null || (query.size() == 1 && query.containsKey(idField))) {
                // {_id: ...} alone: the stock code already uses the index (and its result order is kept)
                return null;
            }
            Object idCondition = findIdCondition(query, idField);
            if (idCondition == null) {
                return null;
            }
            Document idQuery = new Document(idField, idCondition);
            for (Index<Integer> index : getIndexes()) {
                if (isIndexOn(index, idField) && index.canHandle(idQuery)) {
                    List<Integer> positions = new ArrayList<>();
                    for (Integer position : index.getPositions(idQuery)) {
                        positions.add(position);
                    }
                    // the stock path scans positions in ascending order (descending for {$natural: -1})
                    positions.sort(isNaturalDescending(orderBy) ? Comparator.reverseOrder() : Comparator.naturalOrder());
                    return positions;
                }
            }
            return null;
        }

        /**
         * A condition on {@code _id} every match must satisfy: the query's own {@code _id} key, or that of a
         * clause of a top-level {@code $and} (the driver's {@code Filters.and} renders {@code {$and: [...]}}).
         */
        private static Object findIdCondition(Document query, String idField) {
            if (query.containsKey(idField)) {
                Object condition = query.get(idField);
                return isIdCondition(condition) ? condition : null;
            }
            if (query.get("$and") instanceof Collection<?> clauses) {
                for (Object clause : clauses) {
                    if (clause instanceof Document clauseQuery) {
                        Object condition = findIdCondition(clauseQuery, idField);
                        if (condition != null) {
                            return condition;
                        }
                    }
                }
            }
            return null;
        }

        private static boolean isIndexOn(Index<Integer> index, String field) {
            return index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals(field);
        }

        private static boolean isIdCondition(Object condition) {
            if (condition instanceof Document document && document.size() == 1 && document.containsKey("$in")) {
                Object values = document.get("$in");
                if (!(values instanceof Collection<?> collection)) {
                    return false;
                }
                return collection.stream().allMatch(IdIndexedCollection::isPlainEqualityValue);
            }
            return isPlainEqualityValue(condition);
        }

        /** A value the {@code _id} index compares exactly as the query matcher does. */
        private static boolean isPlainEqualityValue(Object value) {
            if (value == null || value instanceof Missing || value instanceof Collection<?>
                    || value instanceof Pattern || value instanceof Decimal128
                    || BsonRegularExpression.isRegularExpression(value)) {
                return false;
            }
            if (value instanceof Number number) {
                return Math.abs(number.doubleValue()) < EXACT_DOUBLE_LIMIT;
            }
            if (value instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (String.valueOf(entry.getKey()).startsWith("$") || !isPlainEmbeddedValue(entry.getValue())) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Inside an embedded {@code _id} document nulls and arrays are ordinary values; operators are not. */
        private static boolean isPlainEmbeddedValue(Object value) {
            if (value == null || value instanceof Missing) {
                return true;
            }
            if (value instanceof Collection<?> collection) {
                return collection.stream().allMatch(IdIndexedCollection::isPlainEmbeddedValue);
            }
            return isPlainEqualityValue(value);
        }
    }
}
