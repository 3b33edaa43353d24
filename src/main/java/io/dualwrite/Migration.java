package io.dualwrite;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declared change of one entity's storage: the old shape, the new shape and how each maps to the domain type.
 * Declare it as a Spring bean; the phased repository for the domain type picks it up.
 *
 * <pre>{@code
 * @Bean
 * Migration<Customer> customersV2() {
 *     return Migration.builder("customers-v2", Customer.class)
 *             .oldShape(ShapeDeclaration.mapped("users", new LegacyUserMapping())
 *                     .field("email", "email"))
 *             .newShape(ShapeDeclaration.springData("customers"))
 *             .build();
 * }
 * }</pre>
 *
 * Both shapes may live in one collection (rename, type change, restructuring: the document carries both sets of
 * fields while both are written) or in two (move, split): the declaration is the same.
 *
 * @param <T> the domain type
 */
public final class Migration<T> {

    /** Ids are used in toggle names, URLs, metric tags and collection names: keep them simple. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private static final Pattern FIELD = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    private final String id;

    private final Class<T> domainType;

    private final ShapeDeclaration<T> oldShape;

    private final ShapeDeclaration<T> newShape;

    private final String versionProperty;

    private final String versionField;

    private Migration(Builder<T> builder) {
        this.id = builder.id;
        this.domainType = builder.domainType;
        this.oldShape = builder.oldShape;
        this.newShape = builder.newShape;
        this.versionProperty = builder.versionProperty;
        this.versionField = builder.versionField;
    }

    /** Starts a declaration. */
    public static <T> Builder<T> builder(String id, Class<T> domainType) {
        return new Builder<>(id, domainType);
    }

    /** The migration id, such as {@code customers-v2}. */
    public String id() {
        return id;
    }

    /** The domain type both shapes map to. */
    public Class<T> domainType() {
        return domainType;
    }

    /** The declaration of a shape. */
    public ShapeDeclaration<T> shape(Shape shape) {
        return shape == Shape.OLD ? oldShape : newShape;
    }

    /** The domain property that carries the version (a {@code long} or {@code Long}). */
    public String versionProperty() {
        return versionProperty;
    }

    /** The document field that carries the version in both shapes. */
    public String versionField() {
        return versionField;
    }

    /** Whether both shapes live in the same collection (one document carries both while both are written). */
    public boolean isSameCollection() {
        return oldShape.collection().equals(newShape.collection());
    }

    @Override
    public String toString() {
        return "Migration '" + id + "' (" + domainType.getSimpleName() + ": " + oldShape.collection() + " -> "
                + newShape.collection() + ")";
    }

    /** Builds a {@link Migration}; {@link #build()} checks the declaration and names any problem. */
    public static final class Builder<T> {

        private final String id;

        private final Class<T> domainType;

        private ShapeDeclaration<T> oldShape;

        private ShapeDeclaration<T> newShape;

        private String versionProperty = "version";

        private String versionField = "version";

        private Builder(String id, Class<T> domainType) {
            this.id = id;
            this.domainType = domainType;
        }

        /** The shape before the migration. Required. */
        public Builder<T> oldShape(ShapeDeclaration<T> shape) {
            this.oldShape = shape;
            return this;
        }

        /** The shape after the migration. Required. */
        public Builder<T> newShape(ShapeDeclaration<T> shape) {
            this.newShape = shape;
            return this;
        }

        /** The domain property holding the version; default {@code version}. */
        public Builder<T> versionProperty(String property) {
            this.versionProperty = property;
            return this;
        }

        /** The document field holding the version in both shapes; default {@code version}. */
        public Builder<T> versionField(String field) {
            this.versionField = field;
            return this;
        }

        /**
         * Checks the declaration and builds it.
         *
         * @throws MigrationDeclarationException naming the migration and the problem
         */
        public Migration<T> build() {
            if (id == null || !ID.matcher(id).matches()) {
                throw MigrationDeclarationException.of(String.valueOf(id),
                        "the id must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (domainType == null) {
                throw MigrationDeclarationException.of(id, "no domain type; pass the entity class to Migration.builder");
            }
            if (oldShape == null || newShape == null) {
                throw MigrationDeclarationException.of(id, "missing " + (oldShape == null ? "old" : "new")
                        + " shape; declare both with .oldShape(...) and .newShape(...)");
            }
            for (Shape shape : Shape.values()) {
                ShapeDeclaration<T> declaration = shape == Shape.OLD ? oldShape : newShape;
                if (declaration.collection() == null || declaration.collection().isBlank()
                        || declaration.collection().startsWith("system.") || declaration.collection().contains("$")) {
                    throw MigrationDeclarationException.of(id, "the " + shape.tag() + " shape's collection name '"
                            + declaration.collection() + "' is not a valid collection name");
                }
                if (!declaration.isSpringDataMapped() && declaration.mapping() == null) {
                    throw MigrationDeclarationException.of(id, "the " + shape.tag() + " shape has no mapping; pass a "
                            + "DocumentMapping to ShapeDeclaration.mapped(\"" + declaration.collection()
                            + "\", mapping) or use ShapeDeclaration.springData(\"" + declaration.collection() + "\")");
                }
            }
            if (oldShape.collection().equals(newShape.collection())
                    && oldShape.isSpringDataMapped() == newShape.isSpringDataMapped()
                    && Objects.equals(oldShape.mapping(), newShape.mapping())) {
                throw MigrationDeclarationException.of(id, "the old and new shapes are identical (collection '"
                        + oldShape.collection() + "' and the same mapping); a migration must change something");
            }
            if (versionField == null || !FIELD.matcher(versionField).matches() || versionField.startsWith("_")) {
                throw MigrationDeclarationException.of(id, "the version field '" + versionField
                        + "' is not a plain top-level field name (letters, digits, '_', not starting with '_')");
            }
            if (versionProperty == null || versionProperty.isBlank()) {
                throw MigrationDeclarationException.of(id, "no version property; name the domain property that holds "
                        + "the version with .versionProperty(...)");
            }
            return new Migration<>(this);
        }
    }
}
