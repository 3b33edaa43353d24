package io.dualwrite;

/**
 * A migration declaration is malformed. Thrown while the application starts, so that a service with a broken
 * declaration never serves traffic. The message names the migration, the problem and what to change.
 */
public class MigrationDeclarationException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String migrationId;

    private MigrationDeclarationException(String migrationId, String message) {
        super(message);
        this.migrationId = migrationId;
    }

    /** The id of the offending migration, or {@code null} when the declaration has none. */
    public String getMigrationId() {
        return migrationId;
    }

    /** A problem in one migration: "Migration 'id' is malformed: problem". */
    public static MigrationDeclarationException of(String migrationId, String problem) {
        return new MigrationDeclarationException(migrationId,
                "Migration '" + migrationId + "' is malformed: " + problem);
    }

    /** A problem that concerns several migrations or none in particular. */
    public static MigrationDeclarationException general(String problem) {
        return new MigrationDeclarationException(null, "Migration declarations are malformed: " + problem);
    }
}
