/**
 * The operations view of each migration, shared by the Actuator endpoint {@code dualwrite}, the status page, the
 * health contribution and the metrics.
 * <ul>
 * <li>{@link io.dualwrite.status.StatusService}: the full {@link io.dualwrite.status.MigrationStatus} of each migration,
 * read from the sources, and the operator's requests (phase changes through the guard, copier control).</li>
 * <li>{@link io.dualwrite.status.StatusSnapshots}: the few facts the health and the gauges need, cached on the
 * injected clock.</li>
 * <li>{@link io.dualwrite.status.Invariants}: what puts an invariant at risk (the health's {@code DOWN}).</li>
 * <li>{@link io.dualwrite.status.StatusContributor} (to implement): an optional section of the status, such as repairs,
 * shadow reads or cleanup, shown when its bean exists.</li>
 * </ul>
 */
package io.dualwrite.status;
