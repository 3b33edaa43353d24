package io.dualwrite;

import org.springframework.dao.DataAccessResourceFailureException;

/**
 * In {@link Phase#READ_NEW_WRITE_BOTH}, a write reached the old shape (which decides while instances may still read
 * it) but not the new shape, which this phase reads. It is not acknowledged: the caller would not read it back. The
 * difference is recorded in the repairs collection, for the repair job to complete and the verifier to count.
 */
public class IncompleteWriteException extends DataAccessResourceFailureException {

    private static final long serialVersionUID = 1L;

    public IncompleteWriteException(String migrationId, Object entityId, long version, Throwable cause) {
        super("Migration '" + migrationId + "': the write of _id=" + entityId + " (version " + version
                + ") reached the old shape but not the new one, which this phase reads; it is recorded for repair. "
                + "Treat it as not done: reload the entity and retry", cause);
    }
}
