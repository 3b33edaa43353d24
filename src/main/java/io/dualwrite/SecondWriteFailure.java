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
 * @param at when it happened
 */
public record SecondWriteFailure(String migrationId, Object entityId, Shape shape, long version, Kind kind,
        String message, Instant at) {

    /** Why a second write did not apply. */
    public enum Kind {
        /** The write failed (network, server error, timeout): the shape misses this version. */
        ERROR,
        /**
         * The shape already held a different document at the same version: a writer in the adjacent phase wrote it at
         * the same moment. The two shapes differ for this id until it is repaired.
         */
        CONFLICT
    }
}
