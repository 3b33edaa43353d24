package io.dualwrite;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All migrations declared in the application, checked together when the application starts: ids are unique and a
 * domain type has at most one migration.
 */
public final class MigrationRegistry {

    private final Map<String, Migration<?>> byId = new LinkedHashMap<>();

    private final Map<Class<?>, Migration<?>> byDomainType = new LinkedHashMap<>();

    /**
     * @throws MigrationDeclarationException when two migrations share an id or a domain type
     */
    public MigrationRegistry(Collection<? extends Migration<?>> migrations) {
        for (Migration<?> migration : migrations) {
            Migration<?> sameId = byId.putIfAbsent(migration.id(), migration);
            if (sameId != null) {
                throw MigrationDeclarationException.of(migration.id(), "the id is declared twice (" + sameId + " and "
                        + migration + "); give each migration its own id");
            }
            Migration<?> sameType = byDomainType.putIfAbsent(migration.domainType(), migration);
            if (sameType != null) {
                throw MigrationDeclarationException.of(migration.id(), "domain type "
                        + migration.domainType().getName() + " already has migration '" + sameType.id()
                        + "'; run one migration per entity at a time");
            }
        }
    }

    /** The migrations in declaration order. */
    public List<Migration<?>> all() {
        return List.copyOf(byId.values());
    }

    /** The migration with this id. */
    public Optional<Migration<?>> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * The migration with this id.
     *
     * @throws IllegalArgumentException naming the id and the declared ones
     */
    public Migration<?> require(String id) {
        Migration<?> migration = byId.get(id);
        if (migration == null) {
            throw new IllegalArgumentException("No migration '" + id + "' is declared; declared migrations: "
                    + (byId.isEmpty() ? "none" : String.join(", ", byId.keySet())));
        }
        return migration;
    }

    /** The migration of a domain type. */
    @SuppressWarnings("unchecked")
    public <T> Optional<Migration<T>> forDomainType(Class<T> domainType) {
        return Optional.ofNullable((Migration<T>) byDomainType.get(domainType));
    }

    /** The declared ids. */
    public Collection<String> ids() {
        return Collections.unmodifiableSet(byId.keySet());
    }
}
