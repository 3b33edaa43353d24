package io.dualwrite.copier;

/** The names of the counters a job run keeps (stored per partition, summed per run). */
public final class Counts {

    /** Documents of the source shape the run has scanned. */
    public static final String PROCESSED = "processed";

    /** Copy (either way): documents written to the target shape. */
    public static final String COPIED = "copied";

    /** Copy: documents left alone because the target already held an equal or newer version. */
    public static final String SKIPPED = "skipped";

    /** Copy: documents the mapping could not convert or the target refused; recorded as dead letters. */
    public static final String DEAD_LETTERED = "deadLettered";

    /** Copy: copies withdrawn because the source document was deleted while the batch was written. */
    public static final String DELETES_CAUGHT = "deletesCaught";

    /** Verify: live in the source shape (old; new for a reverse verification), absent (or deleted) in the target. */
    public static final String MISSING = "missing";

    /** Verify: the target shape holds an older write than the source. */
    public static final String STALE = "stale";

    /** Verify: same entity, different write or different content. */
    public static final String DIFFERENT = "different";

    /**
     * Verify: live in the new shape although the old shape has no live document (and new does not decide); reverse
     * verification: live in the old shape although the new shape deleted it or has no document.
     */
    public static final String EXTRA = "extra";

    /** Verify: source documents the mapping cannot convert. */
    public static final String UNCONVERTIBLE = "unconvertible";

    /** Verify: failed second writes recorded and not repaired yet. */
    public static final String UNREPAIRED = "unrepaired";

    /**
     * Reverse copy: documents whose old shape it wrote without the {@code _dwNewOnly} mark and whose mark it then
     * removed from the new shape (only in a run started while every live instance wrote both shapes): the old shape
     * decides for them again.
     */
    public static final String HANDED_BACK = "handedBack";

    /**
     * Reverse copy and reverse verification: documents the new shape alone still decides for (marked {@code _dwNewOnly}
     * by a {@code READ_NEW_WRITE_NEW} write, in either shape; in one collection, documents holding only the new shape's
     * fields). A reverse verification counts them without calling them differences; a reverse copy counts, when it
     * finishes, those left in both collections. Must be 0 before instances read old again.
     */
    public static final String NEW_ONLY = "newOnly";

    private Counts() {
    }
}
