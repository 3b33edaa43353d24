package io.dualwrite.copier;

/** The names of the counters a job run keeps (stored per partition, summed per run). */
public final class Counts {

    /** Documents of the source shape the run has scanned. */
    public static final String PROCESSED = "processed";

    /** Copy: documents written to the target shape. */
    public static final String COPIED = "copied";

    /** Copy: documents left alone because the target already held an equal or newer version. */
    public static final String SKIPPED = "skipped";

    /** Copy: documents the mapping could not convert or the target refused; recorded as dead letters. */
    public static final String DEAD_LETTERED = "deadLettered";

    /** Copy: copies withdrawn because the source document was deleted while the batch was written. */
    public static final String DELETES_CAUGHT = "deletesCaught";

    /** Verify: live in the old shape, absent (or deleted) in the new one. */
    public static final String MISSING = "missing";

    /** Verify: the new shape holds an older write than the old one. */
    public static final String STALE = "stale";

    /** Verify: same entity, different write or different content. */
    public static final String DIFFERENT = "different";

    /** Verify: live in the new shape although the old shape has no live document (and new does not decide). */
    public static final String EXTRA = "extra";

    /** Verify: old documents the mapping cannot convert. */
    public static final String UNCONVERTIBLE = "unconvertible";

    /** Verify: failed second writes recorded and not repaired yet. */
    public static final String UNREPAIRED = "unrepaired";

    private Counts() {
    }
}
