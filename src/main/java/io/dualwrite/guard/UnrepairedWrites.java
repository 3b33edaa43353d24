package io.dualwrite.guard;

/** How many failed second writes of a migration are not repaired yet (the guard refuses to read new while any are). */
@FunctionalInterface
public interface UnrepairedWrites {

    /** The number of unrepaired failed second writes of {@code migrationId}. */
    long count(String migrationId);
}
