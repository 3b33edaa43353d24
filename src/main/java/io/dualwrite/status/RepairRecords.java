package io.dualwrite.status;

import java.util.Objects;

import org.bson.Document;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import io.dualwrite.guard.UnrepairedWrites;

/**
 * Counts the records {@code {migration, repaired: false}} that the default second-write failure handler leaves in
 * {@code dualwrite_repairs} ({@code dualwrite.collections.repairs}). Used for the health and the status while no
 * {@link UnrepairedWrites} bean is declared (the repair job declares one of its own).
 */
public final class RepairRecords implements UnrepairedWrites {

    private final MongoCollection<Document> repairs;

    /** @param repairs the collection of repair records */
    public RepairRecords(MongoCollection<Document> repairs) {
        this.repairs = Objects.requireNonNull(repairs, "repairs");
    }

    @Override
    public long count(String migrationId) {
        return repairs.countDocuments(Filters.and(Filters.eq("migration", migrationId), Filters.eq("repaired", false)));
    }
}
