package io.dualwrite.internal;

import java.util.Date;
import java.util.List;

import org.bson.Document;

import io.dualwrite.Shape;

/**
 * The fields the layer keeps in stored documents besides the entity's own fields and the version.
 * <ul>
 * <li>{@value #DELETED}: present (true) on a tombstone, the document left by a delete in a write-both phase so that a
 * stale copy can never bring the entity back; a tombstone holds only {@code _id}, the version, this field and
 * {@value #DELETED_AT}.</li>
 * <li>{@value #NEW_ONLY}: present (true) on a new-shape document written by an instance in
 * {@code READ_NEW_WRITE_NEW}: that entity is no longer kept up to date in the old shape, so for it the new shape
 * decides. Old-shape documents written on new's behalf (by a write-both instance writing such an entity, or by a
 * reverse copy that does not hand it back yet) carry it too: no claim on old succeeds on them. A reverse copy run
 * while every instance writes both shapes hands the entity back to old by removing the mark from both shapes.</li>
 * <li>{@value #SHAPES}: in a same-collection migration, which shapes the document currently holds
 * ({@code ["old","new"]}); a document without it is a legacy document holding the old shape only.</li>
 * </ul>
 */
public final class Bookkeeping {

    /** Marks a tombstone. */
    public static final String DELETED = "_dwDeleted";

    /** When the tombstone was written. */
    public static final String DELETED_AT = "_dwDeletedAt";

    /** Marks a new-shape document written while the old shape is no longer maintained. */
    public static final String NEW_ONLY = "_dwNewOnly";

    /** Shapes held by a same-collection document. */
    public static final String SHAPES = "_dwShapes";

    private Bookkeeping() {
    }

    /** Whether the document is a tombstone. */
    public static boolean isTombstone(Document document) {
        return Boolean.TRUE.equals(document.get(DELETED));
    }

    /** Whether the document was written by an instance in {@code READ_NEW_WRITE_NEW} (the new shape decides). */
    public static boolean isNewOnly(Document document) {
        return Boolean.TRUE.equals(document.get(NEW_ONLY));
    }

    /** Whether a field is one of the layer's bookkeeping fields. */
    public static boolean isBookkeeping(String field) {
        return field.startsWith("_dw");
    }

    /** A tombstone for {@code id} at {@code version}. */
    public static Document tombstone(Object id, String versionField, long version, Date at) {
        return new Document("_id", id).append(versionField, version).append(DELETED, true).append(DELETED_AT, at);
    }

    /** The stored version; a document written before the migration has none and counts as version 0. */
    public static long version(Document document, String versionField) {
        Object value = document.get(versionField);
        return value instanceof Number number ? number.longValue() : 0L;
    }

    /** Whether a same-collection document holds the given shape. */
    public static boolean holdsShape(Document document, Shape shape) {
        Object shapes = document.get(SHAPES);
        if (shapes == null) {
            return shape == Shape.OLD;
        }
        return shapes instanceof List<?> list && list.contains(shape.tag());
    }
}
