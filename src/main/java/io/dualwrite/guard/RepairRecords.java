package io.dualwrite.guard;

import java.util.Objects;

import org.bson.Document;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

/**
 * Counts the records {@code {migration, repaired: false}} that the default second-write failure handler leaves in
 * {@code dualwrite_repairs} ({@code dualwrite.collections.repairs}): the default {@link UnrepairedWrites}, read by the
 * phase guard, the verifier, the health and the status.
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
