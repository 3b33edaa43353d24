/**
 * The repair job: completes the second writes of dual writes that did not apply (DESIGN invariant 4). Every failed
 * second write is recorded in the repairs collection ({@code dualwrite_repairs}) by the write protocol; the repair job
 * re-establishes the shape whose write failed from the shape that holds the acknowledged write, under the copier's
 * version guard, and marks the record repaired.
 * <ul>
 * <li>{@link io.dualwrite.repair.Repairs}: the Java API ({@code unrepaired}, {@code pending}, {@code recent},
 * {@code repairNow}), what the phase guard and the status page call.</li>
 * <li>{@link io.dualwrite.repair.RepairLoop}: the background loop on every instance
 * ({@code dualwrite.repair.enabled}).</li>
 * <li>{@link io.dualwrite.repair.RepairRecord}, {@link io.dualwrite.repair.RepairReport}: the answers;
 * {@link io.dualwrite.repair.RepairSettings}: the timing; {@link io.dualwrite.repair.RepairMetrics}: the meters.</li>
 * </ul>
 */
package io.dualwrite.repair;
