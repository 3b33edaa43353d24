package io.dualwrite;

import java.time.Instant;

/**
 * A second write of a dual write that did not apply.
 *
 * @param migrationId the migration
 * @param entityId the entity's id (the {@code _id} of both shapes)
 * @param shape the shape that was not written
 * @param version the version the write carried
 * @param kind why it did not apply
 * @param message a human-readable reason
 * @param resolved whether the write protocol already settled it (a refused write of a same-moment conflict):
 * then nothing is left to repair, and the record is kept for the audit trail only
 * @param at when it happened
 */
public record SecondWriteFailure(String migrationId, Object entityId, Shape shape, long version, Kind kind,
        String message, boolean resolved, Instant at) {

    /** Why a second write did not apply. */
    public enum Kind {
        /** The write failed (network, server error, timeout): the shape misses this version. */
        ERROR,
        /**
         * A writer in the adjacent phase wrote the same entity at the same moment; the write protocol decided which
         * write stands (see {@link #resolved()}).
         */
        CONFLICT
    }
}
