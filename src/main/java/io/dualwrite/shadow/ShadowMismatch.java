package io.dualwrite.shadow;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.dualwrite.Phase;
import io.dualwrite.Shape;

/**
 * A difference a shadow read found between the shape an instance reads and the other shape, still there when both
 * were read again a {@code recheck-delay} later (so not a write in flight between the two shapes).
 *
 * @param migration the migration id
 * @param entityId the entity's {@code _id} as stored
 * @param phase the phase the read was made in
 * @param readShape the shape the caller read (the old one in {@code READ_OLD_WRITE_BOTH}, the new one in
 * {@code READ_NEW_WRITE_BOTH})
 * @param kind what differs
 * @param fields for {@link Kind#DIFFERENT}: the fields that differ, named as in the read shape; a difference that only
 * the other shape's field names show is listed as {@code <shape>:<field>} (e.g. {@code new:contact.phone}). Empty for
 * the other kinds
 * @param readVersion the version the read shape held at the recheck ({@code null}: no document)
 * @param otherVersion the version the other shape held at the recheck ({@code null}: no document)
 * @param detail one sentence for people
 * @param instance the instance that made the read, or {@code null} when the process registers none
 * @param at when the mismatch was confirmed, by dualwrite's clock
 */
public record ShadowMismatch(String migration, Object entityId, Phase phase, Shape readShape, Kind kind,
        List<String> fields, Long readVersion, Long otherVersion, String detail, String instance, Instant at) {

    public ShadowMismatch {
        Objects.requireNonNull(migration, "migration");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(readShape, "readShape");
        Objects.requireNonNull(kind, "kind");
        fields = List.copyOf(fields);
        Objects.requireNonNull(at, "at");
    }

    /** The shape compared with the one read. */
    public Shape otherShape() {
        return readShape.other();
    }

    /** What a shadow read can find different. */
    public enum Kind {

        /** Both shapes hold the entity, with different field values. */
        DIFFERENT,

        /** The read shape holds the entity; the other shape holds a tombstone of it, or (reading new) nothing. */
        MISSING_IN_OTHER,

        /** The read shape holds nothing (or a tombstone) for the id; the other shape holds a live entity. */
        ONLY_IN_OTHER,

        /** The other shape's document cannot be mapped to the domain type (reading it would fail). */
        UNREADABLE
    }
}
