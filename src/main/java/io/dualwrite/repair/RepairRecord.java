package io.dualwrite.repair;

import java.time.Instant;
import java.util.Date;

import org.bson.Document;

/**
 * One record of the repairs collection: a second write that did not apply, and what the repair job made of it.
 *
 * @param id the record's {@code _id}, as text
 * @param migrationId the migration
 * @param entityId the entity's {@code _id} ({@code null} on a malformed record)
 * @param shape the tag of the shape whose write failed ({@code old} or {@code new}; as stored, so a malformed record
 * shows what it holds)
 * @param version the version the failed write carried
 * @param kind {@code ERROR} or {@code CONFLICT} (see {@link io.dualwrite.SecondWriteFailure.Kind})
 * @param message why the write failed
 * @param at when it failed
 * @param repaired whether nothing is left to repair (repaired by the job, or settled by the write protocol)
 * @param repairedAt when the repair job repaired it ({@code null} if it did not)
 * @param resolution how it was repaired: {@code copied}, {@code already-current} (the shape already held that write or
 * a later one), {@code deleted-meanwhile} (the entity was deleted while it was copied; its tombstone is in place),
 * {@code nothing-to-copy} (one collection: the document is gone or deleted); {@code null} when not repaired by the job
 * @param attempts how many times the repair job tried it
 * @param lastError why the last attempt failed ({@code null} if none failed)
 * @param nextAttemptAt when the background loop tries it again after a failed attempt ({@code null} before the first)
 */
public record RepairRecord(String id, String migrationId, Object entityId, String shape, long version, String kind,
        String message, Instant at, boolean repaired, Instant repairedAt, String resolution, int attempts,
        String lastError, Instant nextAttemptAt) {

    static RepairRecord of(Document record) {
        return new RepairRecord(String.valueOf(record.get("_id")), text(record, RepairStore.MIGRATION),
                record.get(RepairStore.ENTITY_ID), text(record, RepairStore.SHAPE),
                record.get(RepairStore.VERSION) instanceof Number number ? number.longValue() : 0L,
                text(record, "kind"), text(record, "message"), instant(record, "at"),
                Boolean.TRUE.equals(record.get(RepairStore.REPAIRED)), instant(record, RepairStore.REPAIRED_AT),
                text(record, RepairStore.RESOLUTION),
                record.get(RepairStore.ATTEMPTS) instanceof Number number ? number.intValue() : 0,
                text(record, RepairStore.LAST_ERROR), instant(record, RepairStore.NEXT_ATTEMPT_AT));
    }

    private static String text(Document record, String field) {
        Object value = record.get(field);
        return value == null ? null : String.valueOf(value);
    }

    private static Instant instant(Document record, String field) {
        return record.get(field) instanceof Date date ? date.toInstant() : null;
    }
}
