package io.dualwrite;

/**
 * The two storage shapes of a migration: where and how the entity is stored before ({@link #OLD}) and after
 * ({@link #NEW}) the change.
 */
public enum Shape {

    /** The shape the data has before the migration. */
    OLD,

    /** The shape the data has after the migration. */
    NEW;

    /** The other shape. */
    public Shape other() {
        return this == OLD ? NEW : OLD;
    }

    /** Lower-case name used in documents, logs and metric tags ({@code old}, {@code new}). */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
