package io.dualwrite.repository.support;

import java.util.Optional;

import org.springframework.data.mongodb.core.MongoOperations;
import org.springframework.data.mongodb.repository.support.MongoRepositoryFactory;
import org.springframework.data.repository.core.RepositoryInformation;
import org.springframework.data.repository.core.RepositoryMetadata;
import org.springframework.data.repository.query.QueryLookupStrategy;
import org.springframework.data.repository.query.QueryMethod;
import org.springframework.data.repository.query.ValueExpressionDelegate;

import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.PhasedStores;
import io.dualwrite.repository.PhasedRepository;

/**
 * Creates phased repositories for interfaces extending {@link PhasedRepository} and ordinary Spring Data MongoDB
 * repositories for all others, so one application can hold both.
 */
public class PhasedRepositoryFactory extends MongoRepositoryFactory {

    private final PhasedStores stores;

    public PhasedRepositoryFactory(MongoOperations operations, PhasedStores stores) {
        super(operations);
        this.stores = stores;
    }

    private static boolean isPhased(RepositoryMetadata metadata) {
        return PhasedRepository.class.isAssignableFrom(metadata.getRepositoryInterface());
    }

    @Override
    protected Class<?> getRepositoryBaseClass(RepositoryMetadata metadata) {
        return isPhased(metadata) ? SimplePhasedRepository.class : super.getRepositoryBaseClass(metadata);
    }

    @Override
    protected Object getTargetRepository(RepositoryInformation information) {
        if (!isPhased(information)) {
            return super.getTargetRepository(information);
        }
        return new SimplePhasedRepository<>(storeFor(information));
    }

    @Override
    protected Optional<QueryLookupStrategy> getQueryLookupStrategy(QueryLookupStrategy.Key key,
            ValueExpressionDelegate valueExpressionDelegate) {
        Optional<QueryLookupStrategy> mongo = super.getQueryLookupStrategy(key, valueExpressionDelegate);
        return Optional.of((method, metadata, projectionFactory, namedQueries) -> {
            if (!isPhased(metadata)) {
                return mongo.orElseThrow().resolveQuery(method, metadata, projectionFactory, namedQueries);
            }
            String where = metadata.getRepositoryInterface().getSimpleName() + "." + method.getName();
            if (method.isAnnotationPresent(org.springframework.data.mongodb.repository.Query.class)
                    || method.isAnnotationPresent(org.springframework.data.mongodb.repository.Aggregation.class)) {
                throw new IllegalStateException(where + ": @Query and @Aggregation methods are not supported by "
                        + "phased repositories, because a query written for one shape cannot run on the other; "
                        + "use a finder derived from the method name");
            }
            return new PhasedPartTreeQuery(method, new QueryMethod(method, metadata, projectionFactory),
                    storeFor(metadata));
        });
    }

    private PhasedStore<?> storeFor(RepositoryMetadata metadata) {
        return stores.forRepository(metadata.getDomainType(), metadata.getRepositoryInterface());
    }
}
