package io.dualwrite.repository.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.util.Assert;

import com.mongodb.client.model.Filters;

import io.dualwrite.internal.PhasedStore;
import io.dualwrite.internal.QuerySpec;
import io.dualwrite.repository.PhasedRepository;

/**
 * The implementation behind every {@link PhasedRepository}: each call asks the migration's phase (from memory) which
 * shape to read and which to write, and delegates to the migration's {@link PhasedStore}.
 */
public class SimplePhasedRepository<T, ID> implements PhasedRepository<T, ID> {

    private final PhasedStore<T> store;

    public SimplePhasedRepository(PhasedStore<T> store) {
        this.store = store;
    }

    // ------------------------------------------------------------- CrudRepository

    @Override
    public <S extends T> S save(S entity) {
        Assert.notNull(entity, "Entity must not be null");
        @SuppressWarnings("unchecked")
        S saved = (S) store.save(entity);
        return saved;
    }

    @Override
    public <S extends T> List<S> saveAll(Iterable<S> entities) {
        Assert.notNull(entities, "The given Iterable of entities must not be null");
        List<S> saved = new ArrayList<>();
        for (S entity : entities) {
            saved.add(save(entity));
        }
        return saved;
    }

    @Override
    public Optional<T> findById(ID id) {
        Assert.notNull(id, "The given id must not be null");
        return store.findById(id);
    }

    @Override
    public boolean existsById(ID id) {
        Assert.notNull(id, "The given id must not be null");
        return store.existsById(id);
    }

    @Override
    public List<T> findAll() {
        return store.find(QuerySpec.all());
    }

    @Override
    public List<T> findAllById(Iterable<ID> ids) {
        Assert.notNull(ids, "The given Iterable of ids must not be null");
        List<Object> storedIds = new ArrayList<>();
        for (ID id : ids) {
            storedIds.add(store.storedId(id));
        }
        if (storedIds.isEmpty()) {
            return List.of();
        }
        return store.find(new QuerySpec(shape -> Filters.in("_id", storedIds), shape -> null, 0, 0));
    }

    @Override
    public long count() {
        return store.count(QuerySpec.all());
    }

    @Override
    public void deleteById(ID id) {
        Assert.notNull(id, "The given id must not be null");
        store.deleteById(id);
    }

    @Override
    public void delete(T entity) {
        Assert.notNull(entity, "The given entity must not be null");
        store.delete(entity);
    }

    @Override
    public void deleteAllById(Iterable<? extends ID> ids) {
        Assert.notNull(ids, "The given Iterable of ids must not be null");
        for (ID id : ids) {
            store.deleteById(id);
        }
    }

    @Override
    public void deleteAll(Iterable<? extends T> entities) {
        Assert.notNull(entities, "The given Iterable of entities must not be null");
        for (T entity : entities) {
            store.delete(entity);
        }
    }

    /**
     * Deletes every entity one by one by id (whatever its version, so a concurrent update cannot stop it half-way),
     * so that write-both phases leave tombstones the copier respects.
     */
    @Override
    public void deleteAll() {
        for (T entity : findAll()) {
            store.deleteById(store.idOf(entity));
        }
    }

    // ------------------------------------------------------------- PagingAndSortingRepository

    @Override
    public List<T> findAll(Sort sort) {
        Assert.notNull(sort, "Sort must not be null");
        return store.find(new QuerySpec(shape -> Filters.empty(),
                shape -> ShapeSorts.toBson(sort, shape, store.idPropertyName()), 0, 0));
    }

    @Override
    public Page<T> findAll(Pageable pageable) {
        Assert.notNull(pageable, "Pageable must not be null");
        if (pageable.isUnpaged()) {
            List<T> all = findAll(pageable.getSort());
            return new PageImpl<>(all, pageable, all.size());
        }
        List<T> content = store.find(new QuerySpec(shape -> Filters.empty(),
                shape -> ShapeSorts.toBson(pageable.getSort(), shape, store.idPropertyName()), pageable.getOffset(),
                pageable.getPageSize()));
        return new PageImpl<>(content, pageable, store.count(QuerySpec.all()));
    }
}
