package io.dualwrite.repository;

import org.springframework.data.repository.ListCrudRepository;
import org.springframework.data.repository.ListPagingAndSortingRepository;
import org.springframework.data.repository.NoRepositoryBean;

/**
 * A Spring Data repository whose storage follows a migration's phase: it reads and writes the old shape, the new
 * shape or both, as the migration's shared toggle says, on every call. Extend it instead of {@code MongoRepository}:
 *
 * <pre>{@code
 * interface CustomerRepository extends PhasedRepository<Customer, String> {
 *     Optional<Customer> findByEmail(String email);
 *     List<Customer> findByLastNameOrderByFirstName(String lastName);
 * }
 * }</pre>
 *
 * The domain type needs a declared {@link io.dualwrite.Migration} bean. CRUD, paging, sorting and finders derived
 * from method names work in every phase; {@code @Query} methods are refused at startup because a query written for
 * one shape cannot run on the other. Saving an entity whose version is stale raises
 * {@link org.springframework.dao.OptimisticLockingFailureException}.
 *
 * @param <T> the domain type
 * @param <ID> the id type
 */
@NoRepositoryBean
public interface PhasedRepository<T, ID> extends ListCrudRepository<T, ID>, ListPagingAndSortingRepository<T, ID> {
}
