/**
 * Micrometer meters of the migrations: reads and writes per shape and failed second writes
 * ({@link io.dualwrite.metrics.ShapeTrafficMeters}, counters resolved once per migration), and gauges of the instances
 * per phase, this instance's phase, unrepaired writes and the latest verification
 * ({@link io.dualwrite.metrics.MigrationGauges}). The copier's own meters are in {@code io.dualwrite.copier.JobMetrics}.
 */
package io.dualwrite.metrics;
