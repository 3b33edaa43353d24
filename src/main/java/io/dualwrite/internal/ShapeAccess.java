package io.dualwrite.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.bson.Document;
import org.springframework.data.core.PropertyPath;
import org.springframework.data.core.PropertyReferenceException;
import org.springframework.data.mongodb.core.convert.MongoConverter;
import org.springframework.data.mongodb.core.mapping.MongoPersistentProperty;

import com.mongodb.client.MongoCollection;

import io.dualwrite.Migration;
import io.dualwrite.Shape;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.spi.DocumentMapping;

/**
 * One shape of one migration at run time: its collection, its mapping and how domain properties translate to its
 * document fields in queries.
 */
public final class ShapeAccess<T> {

    private final Migration<T> migration;

    private final Shape shape;

    private final MongoCollection<Document> collection;

    private final DocumentMapping<T> mapping;

    private final ShapeDeclaration<T> declaration;

    private final MongoConverter converter;

    ShapeAccess(Migration<T> migration, Shape shape, MongoCollection<Document> collection, MongoConverter converter) {
        this.migration = migration;
        this.shape = shape;
        this.collection = collection;
        this.declaration = migration.shape(shape);
        this.converter = converter;
        this.mapping = declaration.isSpringDataMapped()
                ? new SpringDataDocumentMapping<>(converter, migration.domainType())
                : declaration.mapping();
    }

    /** Which shape this is. */
    public Shape shape() {
        return shape;
    }

    /** The collection holding the shape's documents. */
    public MongoCollection<Document> collection() {
        return collection;
    }

    /** The mapping between domain objects and this shape's documents. */
    public DocumentMapping<T> mapping() {
        return mapping;
    }

    /**
     * The document field for a domain property path, or {@code null} when this shape has none declared.
     */
    public String field(String propertyPath, String idPropertyName) {
        if (propertyPath.equals(idPropertyName)) {
            return "_id";
        }
        ShapeDeclaration.QueryField declared = declaration.fields().get(propertyPath);
        if (declared != null) {
            return declared.field();
        }
        if (declaration.isSpringDataMapped()) {
            try {
                PropertyPath path = PropertyPath.from(propertyPath, migration.domainType());
                return converter.getMappingContext().getPersistentPropertyPath(path)
                        .toDotPath(MongoPersistentProperty::getFieldName);
            }
            catch (PropertyReferenceException | org.springframework.data.mapping.MappingException ex) {
                return null;
            }
        }
        return null;
    }

    /** A query value converted from the domain type to what this shape stores for the property. */
    public Object queryValue(String propertyPath, Object value) {
        if (value instanceof Collection<?> values) {
            List<Object> converted = new ArrayList<>(values.size());
            for (Object element : values) {
                converted.add(queryValue(propertyPath, element));
            }
            return converted;
        }
        if (value == null) {
            return null;
        }
        ShapeDeclaration.QueryField declared = declaration.fields().get(propertyPath);
        if (declared != null) {
            return declared.queryValueConverter().apply(value);
        }
        return converter.convertToMongoType(value);
    }

    /** "the old shape of migration 'x' (collection 'users')", for messages. */
    public String describe() {
        return "the " + shape.tag() + " shape of migration '" + migration.id() + "' (collection '"
                + collection.getNamespace().getCollectionName() + "')";
    }
}
