package io.dualwrite.sample;

/**
 * The phase this instance acts on for a migration.
 *
 * @param migration the migration id
 * @param phase the phase name
 */
public record MigrationStatus(String migration, String phase) {
}
