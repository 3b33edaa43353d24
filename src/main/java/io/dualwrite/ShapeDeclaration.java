package io.dualwrite;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import io.dualwrite.spi.DocumentMapping;

/**
 * One shape of a migration: the collection it lives in, the mapping between the domain type and its documents, and
 * how the domain's properties are named (and converted) in its documents so that derived finders and sorting work.
 * <p>
 * Two ways to describe the mapping:
 * <ul>
 * <li>{@link #springData(String)}: the documents look like the domain type as Spring Data maps it
 * ({@code @Field} names and converters honoured). Query fields are derived; nothing else to declare.</li>
 * <li>{@link #mapped(String, DocumentMapping)}: your own {@link DocumentMapping}; declare with {@link #field} each
 * domain property you query or sort on, with its document field and, when the stored type differs, the conversion of
 * query values.</li>
 * </ul>
 */
public final class ShapeDeclaration<T> {

    private final String collection;

    private final DocumentMapping<T> mapping;

    private final boolean springData;

    private final Map<String, QueryField> fields = new LinkedHashMap<>();

    private ShapeDeclaration(String collection, DocumentMapping<T> mapping, boolean springData) {
        this.collection = collection;
        this.mapping = mapping;
        this.springData = springData;
    }

    /** A shape in {@code collection} whose documents are the domain type as Spring Data maps it. */
    public static <T> ShapeDeclaration<T> springData(String collection) {
        return new ShapeDeclaration<>(collection, null, true);
    }

    /** A shape in {@code collection} whose documents are written and read by {@code mapping}. */
    public static <T> ShapeDeclaration<T> mapped(String collection, DocumentMapping<T> mapping) {
        return new ShapeDeclaration<>(collection, mapping, false);
    }

    /** Declares that domain property {@code property} (dot path) is stored as {@code field} with the same type. */
    public ShapeDeclaration<T> field(String property, String field) {
        return field(property, field, Function.identity());
    }

    /**
     * Declares that domain property {@code property} (dot path) is stored as {@code field}, and how a query value of
     * the domain type is converted to the stored type (for example {@code Instant} to an ISO string).
     */
    public ShapeDeclaration<T> field(String property, String field, Function<Object, Object> queryValueConverter) {
        fields.put(property, new QueryField(field, queryValueConverter));
        return this;
    }

    /** The collection name. */
    public String collection() {
        return collection;
    }

    /** The mapping, or {@code null} when Spring Data maps this shape. */
    public DocumentMapping<T> mapping() {
        return mapping;
    }

    /** Whether Spring Data's converter maps this shape. */
    public boolean isSpringDataMapped() {
        return springData;
    }

    /** The declared query fields by domain property path. */
    public Map<String, QueryField> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /**
     * A domain property's name and value conversion in a shape's documents.
     *
     * @param field the document field (dot path)
     * @param queryValueConverter converts a query value from the domain type to the stored type
     */
    public record QueryField(String field, Function<Object, Object> queryValueConverter) {
    }
}
