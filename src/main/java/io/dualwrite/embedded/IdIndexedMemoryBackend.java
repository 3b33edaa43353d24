package io.dualwrite.embedded;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * mongo-java-server's in-memory backend with two query shortcuts on {@code _id}; both give exactly the stock
 * backend's results (the tests run every query on both side by side).
 * <ul>
 * <li><b>{@code _id}-pinned queries</b>: a query which pins {@code _id} to one value (or to an {@code $in} list)
 * <em>and</em> has further conditions is answered from the {@code _id} index. The pin may be the query's own
 * {@code _id} key ({@code {_id: x, version: v}}, as Spring Data renders it) or a clause of a top-level {@code $and}
 * ({@code {$and: [{_id: x}, {version: v}]}}, as the driver's {@code Filters.and} renders it). The stock backend uses
 * an index only when the filter's fields are exactly the index's fields, so the optimistic guard
 * {@code {_id: x, version: v}} scans the whole collection (about 30 writes per second at 100,000 documents). Here the
 * {@code _id} index supplies the candidates (at most one per queried id), in natural order, and the query matcher
 * evaluates the rest of the filter on each: for the values this class pins, the index and the matcher compare
 * {@code _id}s alike (both normalise the value the server's way, then compare with {@code equals}), so a candidate
 * satisfies the pin by construction. Matching the pin again would cost an {@code $in} of n ids n&sup2; comparisons
 * (the stock matcher tests a document against the list value by value: about 40 ms for 1,000 ids). Regular
 * expressions, arrays, {@code null}, operator documents, {@code Decimal128} and numbers beyond 2<sup>53</sup> are left
 * to the stock code path. Once the ordered view below exists, it answers the lookups of the ids it holds.</li>
 * <li><b>Queries sorted by {@code _id}</b> ({@code sort({_id: 1})} or {@code -1}) that no index answers, typically an
 * {@code _id} range ({@code {_id: {$gte: a, $lt: b}}}, flat or inside a top-level {@code $and}) or no filter at all:
 * the stock backend matches every document of the collection and then sorts the matches. Here the candidates come
 * from an ordered view of the collection's ids (built on the first such query, then kept up to date by every insert,
 * update and delete under the collection's lock), restricted to the range the query's {@code _id} bounds allow; the
 * complete filter is still evaluated on each candidate, and they arrive already in sort order, so a limit stops early.
 * The view holds only ids of types the server orders totally and consistently with its matcher (strings, ObjectIds,
 * dates, 32- and 64-bit integers); while a collection holds any other {@code _id} the stock path answers.</li>
 * </ul>
 * Queries, counts, updates, replaces and deletes all benefit because they all go through {@code queryDocuments}.
 * <p>
 * It also fixes a race of the stock backend: <b>a stored document a reader may hold is never changed</b>
 * (copy-on-write). mongo-java-server updates a stored document in place (removing the fields the new document lacks,
 * then putting the new ones) and hands the stored documents themselves to replies, cursors and aggregations, which
 * use them after the collection's lock is released: a read racing an update could get a document half-way through it
 * (a tombstone being replaced by a re-created entity read as a live document without fields), or fail to encode it and
 * drop the connection. Here an update or a find-and-modify first puts a copy of each document it matched at that
 * document's position, under the lock, and the stock code then changes the copy, which no reader has seen; a reader
 * keeps the document as it was, whole. So reads copy nothing, and a write copies the top-level fields of the documents
 * it changes (the stock code already copies each of them deeply to compute the update). A cursor still returns, at each
 * get-more, the documents it has not returned yet as they are then (what the stock cursor did by sharing the stored
 * documents, and what a real MongoDB does), not as they were when it was opened. A real MongoDB never returns a torn
 * document either.
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
     * A memory collection that narrows {@code _id}-pinned queries through the {@code _id} index and serves queries
     * sorted by {@code _id} from an ordered view of the ids (not final: tests count the documents it examines).
     * <p>
     * Every read and write of the collection's storage runs under the collection's lock: the stock entry points
     * (insert, update, delete, find, find-and-modify) are synchronized on it, and {@link #queryDocuments} is too, for
     * the few callers (counts) that are not.
     * <p>
     * The storage is this class's own (a list of documents by position, free positions reused first in, first out,
     * exactly as {@link MemoryCollection} keeps its own, which stays empty), because copy-on-write must replace a
     * document at its position, which {@link MemoryCollection} cannot do.
     */
    static class IdIndexedCollection extends MemoryCollection {

        /**
         * The filter handed to the stock matching pipeline for candidates this class has already matched: every
         * document matches it (an empty filter), and tests recognise it by identity so as not to count it.
         */
        static final Document ALREADY_MATCHED = new Document();

        /** {@code _id} to storage position, in the server's sort order of ids; {@code null} until needed. */
        private NavigableMap<Object, Integer> orderedIds;

        /** How many stored documents have an {@code _id} the ordered view cannot hold. */
        private int unorderableIds;

        /** One more than the highest storage position ever used (positions are reused, never given back). */
        private int positionLimit;

        /** The stored documents by position; {@code null} at a free position. */
        private final List<Document> documents = new ArrayList<>();

        /** Free positions, reused first in, first out (as {@link MemoryCollection} does). */
        private final Queue<Integer> emptyPositions = new LinkedList<>();

        /**
         * While an update or a find-and-modify runs: the positions whose document it has replaced by a fresh copy,
         * the one it changes; {@code null} otherwise. Read and written under the lock.
         */
        private Set<Integer> copiedForWrite;

        /**
         * While the query of an update or a find-and-modify runs: where each stored document it fetched is, for
         * copy-on-write; {@code null} otherwise. Read and written under the lock.
         */
        private Map<Document, Integer> fetchedPositions;

        /**
         * How many stored documents were replaced by copy-on-write or removed so far: a cursor opened at the same count
         * holds every document it has not returned yet as stored. Read and written under the lock.
         */
        private long replacements;

        /** While a query with a projection runs (its results are documents the projection built). Under the lock. */
        private boolean projecting;

        IdIndexedCollection(MongoDatabase database, String collectionName, CollectionOptions options,
                CursorRegistry cursorRegistry) {
            super(database, collectionName, options, cursorRegistry);
        }

        @Override
        protected synchronized QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip,
                int limit, int batchSize, Document fieldSelector) {
            fetchedPositions = copiedForWrite != null ? new IdentityHashMap<>() : null;
            projecting = fieldSelector != null && !fieldSelector.keySet().isEmpty();
            try {
                QueryResult result = queryPinned(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
                if (result == null) {
                    result = queryInIdOrder(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
                }
                if (result == null) {
                    result = super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
                }
                return result;
            }
            finally {
                fetchedPositions = null;
            }
        }

        // ------------------------------------------------------------ copy-on-write

        /** An update: the documents it matches are replaced by fresh copies first, which it then changes. */
        @Override
        public synchronized Document updateDocuments(Document selector, Document updateQuery,
                ArrayFilters arrayFilters, boolean isMulti, boolean isUpsert, Oplog oplog) {
            return copyingOnWrite(() -> super.updateDocuments(selector, updateQuery, arrayFilters, isMulti, isUpsert,
                    oplog));
        }

        /**
         * A find-and-modify: the same (the document it returns is then the fresh copy, which the next write replaces
         * in turn instead of changing it).
         */
        @Override
        public synchronized Document findAndModify(Document query) {
            return copyingOnWrite(() -> super.findAndModify(query));
        }

        private <R> R copyingOnWrite(Supplier<R> write) {
            Set<Integer> outer = copiedForWrite;
            copiedForWrite = new HashSet<>();
            try {
                return write.get();
            }
            finally {
                copiedForWrite = outer;
            }
        }

        /**
         * Every query ends here with its matches, under the lock. Within an update or a find-and-modify the matches
         * are the documents about to be changed in place: each is replaced at its position by a copy, which is
         * returned instead.
         */
        @Override
        protected QueryResult createQueryResult(List<Document> matchedDocuments, int batchSize) {
            if (copiedForWrite == null || matchedDocuments.isEmpty()) {
                return super.createQueryResult(matchedDocuments, batchSize);
            }
            List<Document> fresh = new ArrayList<>(matchedDocuments.size());
            for (Document document : matchedDocuments) {
                fresh.add(freshForWrite(document));
            }
            return super.createQueryResult(fresh, batchSize);
        }

        /** The stored document, replaced by a copy at its position unless this write already did so. */
        private Document freshForWrite(Document document) {
            Integer position = positionOf(document);
            if (position == null) {
                return document; // not a stored document (never expected): nothing a reader holds changes
            }
            if (!copiedForWrite.add(position)) {
                return documents.get(position);
            }
            Document copy = snapshot(document);
            documents.set(position, copy);
            replacements++;
            return copy;
        }

        /** Where a stored document is: as fetched, else from the {@code _id} index, else by identity. */
        private Integer positionOf(Document document) {
            Integer fetched = fetchedPositions == null ? null : fetchedPositions.get(document);
            if (fetched != null) {
                return fetched;
            }
            int position = indexedPosition(document);
            if (position >= 0) {
                return position;
            }
            for (position = 0; position < documents.size(); position++) {
                if (documents.get(position) == document) {
                    return position;
                }
            }
            return null;
        }

        /** The position of this very stored document from the {@code _id} index; -1 when it is not stored there. */
        private int indexedPosition(Document document) {
            String idField = getIdField();
            Index<Integer> idIndex = idField == null ? null : idIndex(idField);
            Integer position = idIndex == null ? null : idIndex.getPosition(document);
            return position != null && position < documents.size() && documents.get(position) == document
                    ? position : -1;
        }

        /**
         * The documents of a query beyond its first batch, for get-more. Each is returned as it is stored at the
         * get-more, as the stock cursor did by sharing the stored documents: looked up again by {@code _id} (the
         * document copy-on-write put in its place) when the collection changed since the cursor was opened; a document
         * deleted meanwhile is returned as found, as stock. Documents a projection built are returned as they are, as
         * stock.
         */
        @Override
        protected Cursor createCursor(List<Document> remainingDocuments) {
            Cursor cursor = new CurrentCursor(cursorRegistry.generateCursorId(), remainingDocuments,
                    projecting ? -1 : replacements);
            cursorRegistry.add(cursor);
            return cursor;
        }

        /** A cursor of {@link #createCursor}. */
        private final class CurrentCursor extends AbstractCursor {

            private final List<Document> remaining;

            /** {@link #replacements} when the cursor was opened; -1: documents a projection built, never looked up. */
            private final long openedAt;

            private int next;

            CurrentCursor(long id, List<Document> remaining, long openedAt) {
                super(id);
                this.remaining = remaining;
                this.openedAt = openedAt;
            }

            @Override
            public boolean isEmpty() {
                synchronized (IdIndexedCollection.this) {
                    return next >= remaining.size();
                }
            }

            @Override
            public List<Document> takeDocuments(int numberToReturn) {
                if (numberToReturn <= 0) {
                    throw new IllegalArgumentException("Illegal number to return: " + numberToReturn);
                }
                synchronized (IdIndexedCollection.this) {
                    int to = Math.min(remaining.size(), next + numberToReturn);
                    List<Document> taken = new ArrayList<>(remaining.subList(next, to));
                    if (openedAt >= 0 && replacements != openedAt) {
                        taken.replaceAll(IdIndexedCollection.this::current);
                    }
                    next = to;
                    return taken;
                }
            }
        }

        /**
         * What is stored now under the {@code _id} of {@code found}, a document a query returned from storage: itself,
         * or what copy-on-write put in its place; {@code found} as it was when it has been deleted since.
         */
        private Document current(Document found) {
            String idField = getIdField();
            Index<Integer> idIndex = idField == null ? null : idIndex(idField);
            Integer position = idIndex == null ? null : idIndex.getPosition(found);
            Document stored = position == null || position >= documents.size() ? null : documents.get(position);
            return stored != null ? stored : found;
        }

        /**
         * A copy of a stored document's top-level fields, which is all the copy-on-write needs: the server changes a
         * stored document only at the top level (an update computes the new document from a deep copy, then removes
         * and puts the stored document's top-level fields), so the values a stored document holds, sub-documents and
         * lists included, are never changed once stored.
         */
        static Document snapshot(Document document) {
            return document.clone();
        }

        // ------------------------------------------------------------ storage (as MemoryCollection's)

        /** Every query path fetches stored documents here (the full scan too); see {@link #fetchedPositions}. */
        @Override
        protected Document getDocument(Integer position) {
            Document document = documents.get(position);
            if (fetchedPositions != null && document != null) {
                fetchedPositions.put(document, position);
            }
            return document;
        }

        @Override
        protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                int batchSize, Document fieldSelector) {
            int size = documents.size();
            IntStream positions = isNaturalDescending(orderBy)
                    ? IntStream.iterate(size - 1, position -> position >= 0, position -> position - 1)
                    : IntStream.range(0, size);
            Stream<Document> stored = positions.mapToObj(this::getDocument).filter(Objects::nonNull);
            return matchDocumentsFromStream(stored, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }

        @Override
        public synchronized int count() {
            return documents.size() - emptyPositions.size();
        }

        @Override
        public synchronized boolean isEmpty() {
            return count() == 0;
        }

        @Override
        protected Integer findDocumentPosition(Document document) {
            int position = documents.indexOf(document);
            return position < 0 ? null : position;
        }

        @Override
        protected Stream<DocumentWithPosition<Integer>> streamAllDocumentsWithPosition() {
            return IntStream.range(0, documents.size()).filter(position -> documents.get(position) != null)
                    .mapToObj(position -> new DocumentWithPosition<>(documents.get(position), position));
        }

        // ------------------------------------------------------------ _id-pinned queries

        /** The answer to an {@code _id}-pinned query from the {@code _id} index; {@code null} for other queries. */
        private QueryResult queryPinned(Document query, Document orderBy, int numberToSkip, int limit, int batchSize,
                Document fieldSelector) {
            String idField = getIdField();
            if (query == null || idField == null || (query.size() == 1 && query.containsKey(idField))) {
                // {_id: ...} alone: the stock code already uses the index (and its result order is kept)
                return null;
            }
            List<Integer> path = new ArrayList<>();
            Object idCondition = findIdCondition(query, idField, path);
            Index<Integer> idIndex = idCondition == null ? null : idIndex(idField);
            if (idIndex == null) {
                return null;
            }
            boolean in = idCondition instanceof Document condition && condition.size() == 1
                    && condition.containsKey("$in");
            Collection<?> values = in ? (Collection<?>) ((Document) idCondition).get("$in") : List.of(idCondition);
            // the ordered view answers as the index does for the ids it holds, and faster; used once it exists
            NavigableMap<Object, Integer> view = unorderableIds == 0 ? orderedIds : null;
            int[] found = new int[Math.max(values.size(), 1)];
            int count = 0;
            for (Object value : values) {
                if (view != null && isOrderableId(value)) {
                    Integer position = view.get(value);
                    if (position != null) {
                        found[count++] = position;
                    }
                }
                else {
                    for (Integer position : idIndex.getPositions(new Document(idField, value))) {
                        if (count == found.length) {
                            found = java.util.Arrays.copyOf(found, count * 2);
                        }
                        found[count++] = position;
                    }
                }
            }
            // the stock path scans positions in ascending order (descending for {$natural: -1}), each once
            java.util.Arrays.sort(found, 0, count);
            boolean descending = isNaturalDescending(orderBy);
            // every candidate satisfies the _id condition: only the rest of the filter is left to check
            Document rest = withoutIdCondition(query, idField, path, 0);
            List<Document> matched = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int position = found[descending ? count - 1 - i : i];
                if (i > 0 && position == found[descending ? count - i : i - 1]) {
                    continue; // the same document found by equal values (5 and 5.0)
                }
                Document document = getDocument(position);
                if (document != null && (rest.isEmpty() || documentMatchesQuery(document, rest))) {
                    matched.add(document);
                }
            }
            return matchDocumentsFromStream(matched.stream(), ALREADY_MATCHED, orderBy, numberToSkip, limit,
                    batchSize, fieldSelector);
        }

        @Override
        protected boolean documentMatchesQuery(Document document, Document query) {
            return query == ALREADY_MATCHED || super.documentMatchesQuery(document, query);
        }

        private Index<Integer> idIndex(String idField) {
            for (Index<Integer> index : getIndexes()) {
                if (index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals(idField)) {
                    return index;
                }
            }
            return null;
        }

        /**
         * A condition on {@code _id} every match must satisfy: the query's own {@code _id} key, or that of a
         * clause of a top-level {@code $and} (the driver's {@code Filters.and} renders {@code {$and: [...]}}).
         *
         * @param path receives the indexes of the {@code $and} clauses leading to the condition (empty: top level)
         */
        private static Object findIdCondition(Document query, String idField, List<Integer> path) {
            if (query.containsKey(idField)) {
                Object condition = query.get(idField);
                return isIdCondition(condition) ? condition : null;
            }
            if (query.get("$and") instanceof List<?> clauses) {
                for (int i = 0; i < clauses.size(); i++) {
                    if (clauses.get(i) instanceof Document clauseQuery) {
                        path.add(i);
                        Object condition = findIdCondition(clauseQuery, idField, path);
                        if (condition != null) {
                            return condition;
                        }
                        path.remove(path.size() - 1);
                    }
                }
            }
            return null;
        }

        /**
         * The query without the condition {@link #findIdCondition} found at {@code path} (a clause left empty is
         * dropped, and so is an {@code $and} left empty); everything else is shared with the query.
         */
        private static Document withoutIdCondition(Document query, String idField, List<Integer> path, int depth) {
            Document copy = new Document(query);
            if (depth == path.size()) {
                copy.remove(idField);
                return copy;
            }
            List<Object> clauses = new ArrayList<>((List<?>) query.get("$and"));
            int index = path.get(depth);
            Document clause = withoutIdCondition((Document) clauses.get(index), idField, path, depth + 1);
            if (clause.isEmpty()) {
                clauses.remove(index);
            }
            else {
                clauses.set(index, clause);
            }
            if (clauses.isEmpty()) {
                copy.remove("$and");
            }
            else {
                copy.put("$and", clauses);
            }
            return copy;
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

        // ------------------------------------------------------------ queries sorted by _id

        /**
         * The answer to a query sorted by {@code _id} alone from the ordered view of the ids; {@code null} when an
         * index answers it (the stock path then sorts a handful of candidates) or the view is unavailable.
         */
        private QueryResult queryInIdOrder(Document query, Document orderBy, int numberToSkip, int limit,
                int batchSize, Document fieldSelector) {
            String idField = getIdField();
            if (query == null || idField == null || orderBy == null || orderBy.size() != 1
                    || !(orderBy.get(idField) instanceof Number direction)) {
                return null;
            }
            for (Index<Integer> index : getIndexes()) {
                if (index.canHandle(query)) {
                    return null;
                }
            }
            NavigableMap<Object, Integer> ids = orderedIds();
            if (ids == null) {
                return null;
            }
            IdBounds bounds = new IdBounds();
            bounds.collect(query, idField);
            NavigableMap<Object, Integer> range = bounds.of(ids);
            // DocumentComparator sorts ascending for a positive value, descending otherwise
            if (direction.intValue() <= 0) {
                range = range.descendingMap();
            }
            // already in sort order (ids are unique and totally ordered): no comparator, so a limit stops early;
            // when the bounds are the whole filter, every candidate is a match, and a skip needs no document
            boolean whole = bounds.isWholeFilter();
            java.util.Iterator<Integer> positions = range.values().iterator();
            int skip = numberToSkip;
            if (whole) {
                for (; skip > 0 && positions.hasNext(); skip--) {
                    positions.next();
                }
            }
            Stream<Document> candidates = java.util.stream.StreamSupport.stream(java.util.Spliterators
                    .spliteratorUnknownSize(positions, java.util.Spliterator.ORDERED), false).map(this::getDocument);
            return matchDocumentsFromStream(whole ? ALREADY_MATCHED : query, candidates, skip, limit, batchSize, null,
                    fieldSelector);
        }

        /**
         * The tightest lower and upper bound that the query's {@code _id} range conditions ({@code $gt}, {@code $gte},
         * {@code $lt}, {@code $lte} on the query's own {@code _id} key or in clauses of top-level {@code $and}s) put
         * on every match. The matcher compares with the server's {@link ValueComparator}, which {@link #ID_ORDER}
         * agrees with, so a match lies within the bounds. Bounds of types the view does not hold are ignored: the
         * range is then wider, never narrower, and the filter decides.
         * <p>
         * When the filter is empty, or nothing but such conditions with a lower and an upper bound all of one type
         * (the matcher's range operators only match values of the bound's type), the documents within the bounds are
         * exactly the matches: {@link #isWholeFilter()}.
         */
        private static final class IdBounds {

            private Object lower;

            private boolean lowerInclusive;

            private Object upper;

            private boolean upperInclusive;

            /** The type rank of the bounds seen so far, 0 before the first. */
            private int rank;

            private boolean wholeFilter = true;

            /** Whether the filter holds any condition at all. */
            private boolean conditions;

            void collect(Document query, String idField) {
                for (Map.Entry<String, Object> entry : query.entrySet()) {
                    conditions = true;
                    if (entry.getKey().equals(idField) && entry.getValue() instanceof Document condition
                            && !condition.isEmpty() && condition.keySet().stream().allMatch(k -> k.startsWith("$"))) {
                        condition.forEach(this::add);
                    }
                    else if (entry.getKey().equals("$and") && entry.getValue() instanceof List<?> clauses
                            && !clauses.isEmpty()) {
                        for (Object clause : clauses) {
                            if (clause instanceof Document clauseQuery) {
                                collect(clauseQuery, idField);
                            }
                            else {
                                wholeFilter = false;
                            }
                        }
                    }
                    else {
                        wholeFilter = false;
                    }
                }
            }

            private void add(String operator, Object value) {
                boolean lowerBound = operator.equals("$gt") || operator.equals("$gte");
                boolean upperBound = operator.equals("$lt") || operator.equals("$lte");
                if (!(lowerBound || upperBound) || !isOrderableId(value)) {
                    wholeFilter = false;
                    return;
                }
                if (rank != 0 && rank != typeRank(value)) {
                    wholeFilter = false;
                }
                rank = typeRank(value);
                boolean inclusive = operator.endsWith("e");
                if (lowerBound) {
                    int compared = lower == null ? 1 : ID_ORDER.compare(value, lower);
                    if (compared > 0 || (compared == 0 && !inclusive)) {
                        lower = value;
                        lowerInclusive = inclusive;
                    }
                }
                else {
                    int compared = upper == null ? -1 : ID_ORDER.compare(value, upper);
                    if (compared < 0 || (compared == 0 && !inclusive)) {
                        upper = value;
                        upperInclusive = inclusive;
                    }
                }
            }

            boolean isWholeFilter() {
                return !conditions || (wholeFilter && lower != null && upper != null);
            }

            NavigableMap<Object, Integer> of(NavigableMap<Object, Integer> ids) {
                if (lower != null && upper != null) {
                    int compared = ID_ORDER.compare(lower, upper);
                    if (compared > 0 || (compared == 0 && !(lowerInclusive && upperInclusive))) {
                        return java.util.Collections.emptyNavigableMap();
                    }
                    return ids.subMap(lower, lowerInclusive, upper, upperInclusive);
                }
                if (lower != null) {
                    return ids.tailMap(lower, lowerInclusive);
                }
                return upper != null ? ids.headMap(upper, upperInclusive) : ids;
            }
        }

        /**
         * The order of the ids the view holds, the server's {@link ValueComparator} order for them (numbers before
         * strings before ObjectIds before dates; within a type by value), without its generic type dispatch.
         */
        static final java.util.Comparator<Object> ID_ORDER = (a, b) -> {
            int rankA = typeRank(a);
            int rankB = typeRank(b);
            if (rankA != rankB) {
                return Integer.compare(rankA, rankB);
            }
            return switch (rankA) {
                case 1 -> Long.compare(((Number) a).longValue(), ((Number) b).longValue());
                case 2 -> ((String) a).compareTo((String) b);
                case 3 -> ((ObjectId) a).compareTo((ObjectId) b);
                default -> ((Instant) a).compareTo((Instant) b);
            };
        };

        /** 1 for 32- and 64-bit integers, 2 for strings, 3 for ObjectIds, 4 for dates (other types: not held). */
        private static int typeRank(Object id) {
            if (id instanceof Integer || id instanceof Long) {
                return 1;
            }
            if (id instanceof String) {
                return 2;
            }
            return id instanceof ObjectId ? 3 : 4;
        }

        /**
         * An id the ordered view can hold: a type the server's {@link ValueComparator} orders totally, without ties
         * between ids the {@code _id} index tells apart, and exactly as its range operators compare.
         */
        static boolean isOrderableId(Object id) {
            return id instanceof String || id instanceof ObjectId || id instanceof Instant || id instanceof Integer
                    || id instanceof Long;
        }

        /** The ordered view, built if needed; {@code null} while the collection holds an id it cannot hold. */
        private NavigableMap<Object, Integer> orderedIds() {
            if (unorderableIds > 0) {
                return null;
            }
            if (orderedIds == null) {
                String idField = getIdField();
                List<Map.Entry<Object, Integer>> entries = new ArrayList<>();
                for (int position = 0; position < positionLimit; position++) {
                    Document document = documents.get(position);
                    if (document != null) {
                        entries.add(Map.entry(document.get(idField), position));
                    }
                }
                // sorting first (nearly linear when documents were inserted in id order) lets the tree be built
                // balanced in one pass instead of by a million insertions
                entries.sort(Map.Entry.comparingByKey(ID_ORDER));
                for (int i = 1; i < entries.size(); i++) {
                    if (ID_ORDER.compare(entries.get(i - 1).getKey(), entries.get(i).getKey()) == 0) {
                        return null; // two ids the comparator cannot tell apart: never expected, stay on stock
                    }
                }
                TreeMap<Object, Integer> built = new TreeMap<>(ID_ORDER);
                built.putAll(new SortedEntries(entries));
                orderedIds = built;
            }
            return orderedIds;
        }

        /**
         * Entries already sorted by {@link #ID_ORDER}, seen as a sorted map: what {@link TreeMap#putAll} needs to build
         * its tree in linear time. Only what that method uses is implemented.
         */
        private static final class SortedEntries extends java.util.AbstractMap<Object, Integer>
                implements java.util.SortedMap<Object, Integer> {

            private final List<Map.Entry<Object, Integer>> entries;

            SortedEntries(List<Map.Entry<Object, Integer>> entries) {
                this.entries = entries;
            }

            @Override
            public java.util.Comparator<? super Object> comparator() {
                return ID_ORDER;
            }

            @Override
            public int size() {
                return entries.size();
            }

            @Override
            public java.util.Set<Map.Entry<Object, Integer>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public java.util.Iterator<Map.Entry<Object, Integer>> iterator() {
                        return entries.iterator();
                    }

                    @Override
                    public int size() {
                        return entries.size();
                    }
                };
            }

            @Override
            public java.util.SortedMap<Object, Integer> subMap(Object fromKey, Object toKey) {
                throw new UnsupportedOperationException();
            }

            @Override
            public java.util.SortedMap<Object, Integer> headMap(Object toKey) {
                throw new UnsupportedOperationException();
            }

            @Override
            public java.util.SortedMap<Object, Integer> tailMap(Object fromKey) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object firstKey() {
                return entries.get(0).getKey();
            }

            @Override
            public Object lastKey() {
                return entries.get(entries.size() - 1).getKey();
            }
        }

        @Override
        protected synchronized Integer addDocumentInternal(Document document) {
            Integer position = emptyPositions.poll();
            if (position == null) {
                position = documents.size();
            }
            if (position == documents.size()) {
                documents.add(document);
            }
            else {
                documents.set(position, document);
            }
            positionLimit = Math.max(positionLimit, position + 1);
            track(document.get(getIdField()), position);
            return position;
        }

        @Override
        protected synchronized void removeDocument(Integer position) {
            Document document = documents.get(position);
            documents.set(position, null);
            emptyPositions.add(position);
            replacements++;
            if (document != null) {
                untrack(document.get(getIdField()), position);
            }
        }

        @Override
        protected synchronized void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
            super.handleUpdate(position, oldDocument, newDocument);
            Object oldId = oldDocument.get(getIdField());
            Object newId = newDocument.get(getIdField());
            if (!Objects.equals(oldId, newId)) {
                untrack(oldId, position);
                track(newId, position);
            }
        }

        private void track(Object id, Integer position) {
            if (!isOrderableId(id)) {
                unorderableIds++;
                orderedIds = null;
            }
            else if (orderedIds != null && orderedIds.put(id, position) != null) {
                orderedIds = null; // a tie: never expected; rebuilt (or given up) on the next sorted query
            }
        }

        private void untrack(Object id, Integer position) {
            if (!isOrderableId(id)) {
                unorderableIds--;
            }
            else if (orderedIds != null && !orderedIds.remove(id, position)) {
                orderedIds = null;
            }
        }
    }
}
