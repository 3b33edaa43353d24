/**
 * Cleanup, the contract step of a migration (runbook step 6): {@link io.dualwrite.cleanup.Cleanup} lists what would be
 * removed (a dry run, {@link io.dualwrite.cleanup.CleanupPlan}: the old collection, or the old-shape fields), removes
 * exactly that when given the dry run's token and only when every live instance is in {@code READ_NEW_WRITE_NEW}
 * ({@link io.dualwrite.cleanup.CleanupResult}, or {@link io.dualwrite.cleanup.CleanupRefusedException} saying why not),
 * and records each executed cleanup ({@link io.dualwrite.cleanup.CleanupRecord} in
 * {@link io.dualwrite.cleanup.CleanupHistory}, which answers "is the old shape gone?" on its own). Operators use it
 * through the {@code cleanup} command and the {@code dualwritecleanup} Actuator endpoint.
 */
package io.dualwrite.cleanup;
