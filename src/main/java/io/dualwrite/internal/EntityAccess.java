package io.dualwrite.internal;

import java.util.UUID;

import org.bson.types.ObjectId;
import org.springframework.data.mapping.PersistentPropertyAccessor;
import org.springframework.data.mongodb.core.mapping.MongoPersistentEntity;
import org.springframework.data.mongodb.core.mapping.MongoPersistentProperty;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;

import io.dualwrite.Migration;
import io.dualwrite.MigrationDeclarationException;

/**
 * Reads and sets a domain object's id and version through Spring Data's mapping metadata, and converts ids the way
 * Spring Data stores them (a {@code String} id that is a valid ObjectId is stored as an ObjectId), so data written by a
 * plain Spring Data repository before the migration is found under the same ids.
 */
final class EntityAccess<T> {

    private final Class<T> type;

    private final MongoPersistentEntity<?> entity;

    private final MongoPersistentProperty idProperty;

    private final MongoPersistentProperty versionProperty;

    EntityAccess(Migration<T> migration, MongoMappingContext mappingContext) {
        this.type = migration.domainType();
        this.entity = mappingContext.getRequiredPersistentEntity(type);
        this.idProperty = entity.getIdProperty();
        if (idProperty == null) {
            throw MigrationDeclarationException.of(migration.id(), "domain type " + type.getName()
                    + " has no id property; annotate one field with @Id or name it 'id'");
        }
        this.versionProperty = entity.getPersistentProperty(migration.versionProperty());
        if (versionProperty == null) {
            throw MigrationDeclarationException.of(migration.id(), "domain type " + type.getName()
                    + " has no property '" + migration.versionProperty() + "' to hold the version; add a Long "
                    + "property of that name or name yours with .versionProperty(...)");
        }
        Class<?> versionType = versionProperty.getType();
        if (versionType != Long.class && versionType != long.class) {
            throw MigrationDeclarationException.of(migration.id(), "the version property '"
                    + migration.versionProperty() + "' of " + type.getName() + " is a " + versionType.getSimpleName()
                    + "; it must be a Long (null for an entity never saved)");
        }
    }

    Class<T> type() {
        return type;
    }

    Object id(T bean) {
        return entity.getPropertyAccessor(bean).getProperty(idProperty);
    }

    Long version(T bean) {
        Object value = entity.getPropertyAccessor(bean).getProperty(versionProperty);
        return value == null ? null : ((Number) value).longValue();
    }

    /** The bean with id and version set (a new instance for immutable types). */
    @SuppressWarnings("unchecked")
    T withIdAndVersion(T bean, Object storedId, long version) {
        PersistentPropertyAccessor<T> accessor = (PersistentPropertyAccessor<T>) entity.getPropertyAccessor(bean);
        accessor.setProperty(idProperty, domainId(storedId));
        accessor.setProperty(versionProperty, version);
        return accessor.getBean();
    }

    /** A new id for an entity saved without one. */
    Object generateId() {
        Class<?> idType = idProperty.getType();
        if (idType == String.class) {
            return new ObjectId().toHexString();
        }
        if (idType == ObjectId.class) {
            return new ObjectId();
        }
        if (idType == UUID.class) {
            return UUID.randomUUID();
        }
        throw new IllegalArgumentException("Cannot generate an id of type " + idType.getName() + " for "
                + type.getSimpleName() + "; assign the id before saving");
    }

    /** The {@code _id} value for a domain id, as Spring Data would store it. */
    Object storedId(Object domainId) {
        if (domainId instanceof String text && idProperty.getType() == String.class
                && idProperty.getFieldType() == ObjectId.class && ObjectId.isValid(text)) {
            return new ObjectId(text);
        }
        return domainId;
    }

    private Object domainId(Object storedId) {
        if (storedId instanceof ObjectId objectId && idProperty.getType() == String.class) {
            return objectId.toHexString();
        }
        return storedId;
    }

    String idPropertyName() {
        return idProperty.getName();
    }
}
