package io.dualwrite.internal;

import java.util.function.Function;

import org.bson.conversions.Bson;

import com.mongodb.client.model.Filters;

/**
 * A query expressed independently of the shape: the filter and sort are built per shape, in that shape's field names,
 * when the phase has chosen which shape to read.
 *
 * @param filter builds the filter for a shape; never returns {@code null}
 * @param sort builds the sort for a shape, or returns {@code null} for none
 * @param skip documents to skip
 * @param limit maximum documents, 0 for no limit
 */
public record QuerySpec(Function<ShapeAccess<?>, Bson> filter, Function<ShapeAccess<?>, Bson> sort, long skip,
        int limit) {

    /** Everything, unsorted. */
    public static QuerySpec all() {
        return new QuerySpec(shape -> Filters.empty(), shape -> null, 0, 0);
    }
}
