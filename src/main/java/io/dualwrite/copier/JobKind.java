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

    /** Whether the job writes its target shape (a copy, either way). */
    public boolean isCopy() {
        return this == COPY || this == REVERSE_COPY;
    }

    /** Whether the job compares the shapes and writes nothing but its result (a verification, either way). */
    public boolean isVerification() {
        return this == VERIFY || this == REVERSE_VERIFY;
    }

    /** Whether the job goes from the new shape to the old one (the way back from {@code READ_NEW_WRITE_NEW}). */
    public boolean isReverse() {
        return source == Shape.NEW;
    }

    /** The tags of every kind, for messages: "copy, verify, reverse-copy or reverse-verify". */
    public static String tags() {
        StringBuilder text = new StringBuilder();
        JobKind[] kinds = values();
        for (int i = 0; i < kinds.length; i++) {
            text.append(i == 0 ? "" : i == kinds.length - 1 ? " or " : ", ").append(kinds[i].tag);
        }
        return text.toString();
    }

    /** The kind with this tag. */
    public static JobKind fromTag(String tag) {
        for (JobKind kind : values()) {
            if (kind.tag.equals(tag)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown job kind '" + tag + "': use " + tags());
    }
}
