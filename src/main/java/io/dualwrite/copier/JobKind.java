package io.dualwrite.copier;

import io.dualwrite.Shape;

/**
 * What a job does with the documents it scans. Every kind scans a source shape in {@code _id} order, partition by
 * partition, and checkpoints after every batch.
 */
public enum JobKind {

    /** Backfills the new shape from the old one, under the version guard. */
    COPY("copy", Shape.OLD, Shape.NEW),

    /** Compares the old shape with the new one and reports the differences; writes nothing but its result. */
    VERIFY("verify", Shape.OLD, Shape.NEW),

    /** Backfills the old shape from the new one (for a rollback from {@code READ_NEW_WRITE_NEW}), under the version guard. */
    REVERSE_COPY("reverse-copy", Shape.NEW, Shape.OLD),

    /** Compares the new shape with the old one after a reverse copy. */
    REVERSE_VERIFY("reverse-verify", Shape.NEW, Shape.OLD);

    private final String tag;

    private final Shape source;

    private final Shape target;

    JobKind(String tag, Shape source, Shape target) {
        this.tag = tag;
        this.source = source;
        this.target = target;
    }

    /** The lower-case name used in stored documents, metrics and the command line. */
    public String tag() {
        return tag;
    }

    /** The shape the job scans. */
    public Shape source() {
        return source;
    }

    /** The shape the job writes or compares against. */
    public Shape target() {
        return target;
    }

    /** The kind with this tag. */
    public static JobKind fromTag(String tag) {
        for (JobKind kind : values()) {
            if (kind.tag.equals(tag)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown job kind '" + tag + "'");
    }
}
