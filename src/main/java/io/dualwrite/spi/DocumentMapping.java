package io.dualwrite.spi;

import org.bson.Document;

/**
 * Maps a domain object to one shape's document and back. One instance per shape of a migration.
 * <p>
 * The layer owns {@code _id}, the version field and its own bookkeeping fields ({@code _dw*}): it sets them on the
 * document after {@link #toDocument} and sets the id and version on the domain object after {@link #fromDocument},
 * so a mapping only deals with the entity's own fields. A mapping must be stateless and thread-safe.
 *
 * @param <T> the domain type
 */
public interface DocumentMapping<T> {

    /**
     * Writes the entity's fields in this shape.
     *
     * @param entity never {@code null}
     * @return a new document with the entity's fields in this shape; never {@code null}
     */
    Document toDocument(T entity);

    /**
     * Reads an entity from a document of this shape.
     *
     * @param document a stored document of this shape, never a tombstone, never {@code null}
     * @return the domain object; never {@code null}
     * @throws RuntimeException when the document cannot be converted (the copier dead-letters it with the message)
     */
    T fromDocument(Document document);
}
