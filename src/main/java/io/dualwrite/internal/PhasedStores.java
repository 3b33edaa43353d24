package io.dualwrite.internal;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bson.Document;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.data.mongodb.core.MongoExceptionTranslator;
import org.springframework.data.mongodb.core.convert.MongoConverter;
import org.springframework.data.mongodb.core.mapping.MongoMappingContext;

import com.mongodb.client.MongoDatabase;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Shape;
import io.dualwrite.spi.PhaseSource;
import io.dualwrite.spi.SecondWriteFailureHandler;
import io.dualwrite.spi.ShapeTraffic;

/**
 * One {@link PhasedStore} per declared migration, built (and so checked against the domain type) when the
 * application starts.
 */
public final class PhasedStores {

    private final MigrationRegistry registry;

    private final Map<String, PhasedStore<?>> stores = new LinkedHashMap<>();

    public PhasedStores(MigrationRegistry registry, MongoDatabaseFactory databaseFactory, MongoConverter converter,
            PhaseSource phaseSource, SecondWriteFailureHandler failureHandler, Clock clock) {
        this(registry, databaseFactory, converter, phaseSource, failureHandler, clock, ShapeTraffic.Factory.NONE);
    }

    /**
     * @param traffic told of every read, write and failed second write per shape (the metrics); {@code null} for none
     */
    public PhasedStores(MigrationRegistry registry, MongoDatabaseFactory databaseFactory, MongoConverter converter,
            PhaseSource phaseSource, SecondWriteFailureHandler failureHandler, Clock clock,
            ShapeTraffic.Factory traffic) {
        this.registry = registry;
        MongoDatabase database = databaseFactory.getMongoDatabase();
        MongoExceptionTranslator translator = new MongoExceptionTranslator();
        ShapeTraffic.Factory counting = traffic == null ? ShapeTraffic.Factory.NONE : traffic;
        for (Migration<?> migration : registry.all()) {
            stores.put(migration.id(), create(migration, database, converter, phaseSource, failureHandler, translator,
                    clock, counting.forMigration(migration.id())));
        }
    }

    private static <T> PhasedStore<T> create(Migration<T> migration, MongoDatabase database, MongoConverter converter,
            PhaseSource phaseSource, SecondWriteFailureHandler failureHandler, MongoExceptionTranslator translator,
            Clock clock, ShapeTraffic traffic) {
        EntityAccess<T> access = new EntityAccess<>(migration, (MongoMappingContext) converter.getMappingContext());
        ShapeAccess<T> oldShape = new ShapeAccess<>(migration, Shape.OLD,
                database.getCollection(migration.shape(Shape.OLD).collection(), Document.class), converter);
        ShapeAccess<T> newShape = new ShapeAccess<>(migration, Shape.NEW,
                database.getCollection(migration.shape(Shape.NEW).collection(), Document.class), converter);
        return new PhasedStore<>(migration, phaseSource, access, oldShape, newShape, failureHandler, translator, clock,
                traffic);
    }

    /** The store of a migration. */
    public PhasedStore<?> forMigration(String migrationId) {
        registry.require(migrationId);
        return stores.get(migrationId);
    }

    /**
     * The store for a phased repository's domain type.
     *
     * @throws IllegalStateException naming the repository and the domain type when no migration is declared for it
     */
    public PhasedStore<?> forRepository(Class<?> domainType, Class<?> repositoryInterface) {
        Migration<?> migration = registry.forDomainType(domainType).orElseThrow(() -> new IllegalStateException(
                repositoryInterface.getName() + " is a PhasedRepository of " + domainType.getName()
                        + ", but no Migration bean is declared for " + domainType.getSimpleName()
                        + "; declare one with Migration.builder(\"<id>\", " + domainType.getSimpleName()
                        + ".class) or extend MongoRepository instead"));
        return stores.get(migration.id());
    }
}
