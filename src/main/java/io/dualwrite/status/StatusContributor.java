package io.dualwrite.status;

import java.util.Optional;

/**
 * Adds an optional section to every migration's status (the Actuator endpoint {@code dualwrite} and the status page).
 * Declare one as a bean; every such bean is asked, in {@code @Order}, each time a status is read. A part of dualwrite
 * that is not in this service simply has no contributor, and its section is absent.
 * <p>
 * Called on an operator's request, not on the hot path; it may read MongoDB, but should answer within a few
 * milliseconds. An exception is shown in place of the section, never thrown to the operator.
 */
public interface StatusContributor {

    /** The section's key: a short lower-camel-case name ({@code repairs}, {@code shadowReads}, {@code cleanup}). */
    String name();

    /**
     * The section for one migration.
     *
     * @param migrationId a declared migration id
     * @return the section, or empty when there is nothing to show for this migration
     */
    Optional<StatusSection> section(String migrationId);
}
