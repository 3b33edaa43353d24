/**
 * The shared phase toggles: one Togglz feature per declared migration carries the phase every instance acts on.
 *
 * <h2>Representation</h2>
 * <ul>
 * <li><b>Feature name</b> = the migration id, unchanged (for example {@code customers-v2}). Migration ids only use
 * letters, digits, {@code .}, {@code _} and {@code -}, which the Togglz console and its URLs
 * ({@code /togglz-console/edit?f=customers-v2}) take as they are. The console shows it as
 * "Migration customers-v2 — phase" in the group "dualwrite migrations" ({@link io.dualwrite.toggle.MigrationFeatureProvider}).</li>
 * <li><b>Phase</b> = parameter {@code phase} of the activation strategy "Migration phase" (id {@code dualwrite-phase},
 * {@link io.dualwrite.toggle.PhaseActivationStrategy}). The console only accepts the four phase names:
 * {@code OLD_ONLY}, {@code READ_OLD_WRITE_BOTH}, {@code READ_NEW_WRITE_BOTH}, {@code READ_NEW_WRITE_NEW}.</li>
 * <li>A <b>valid</b> toggle is: Enabled ticked, strategy "Migration phase", a phase set. To change the phase, operators
 * only edit the phase field. Disabling the toggle or choosing another strategy is refused, whoever asks
 * ({@link io.dualwrite.toggle.ValidatingStateRepository}; the console shows the reason); a state made invalid behind Togglz's back (directly in
 * MongoDB) is ignored by running instances, which keep their last valid phase and report the conflict
 * ({@link io.dualwrite.toggle.TogglzPhaseSource#conflicts()}), and makes starting instances fail with the fix.</li>
 * </ul>
 *
 * <h2>Where the state lives</h2>
 * In MongoDB, in the database Spring Data uses, collection {@code dualwrite.toggles.collection} (default
 * {@code dualwrite_togglz}), one document per feature in togglz-mongodb's format:
 * {@code {feature: "customers-v2", enabled: true, strategy: "dualwrite-phase", params: {phase: "OLD_ONLY"}}}.
 * Each instance reads it without a cache every {@code dualwrite.toggles.max-staleness / 2} (default 500 ms) and keeps the
 * phases in memory, so repositories never wait on it.
 *
 * <h2>Who may change it</h2>
 * The console requires a login with {@code dualwrite.security.admin-authority} (see
 * {@code DualWriteSecurityAutoConfiguration}); from Java, use {@link io.dualwrite.toggle.PhaseToggles}. Every change goes
 * through the {@link io.dualwrite.toggle.PhaseChangeValidator} bean (by default it allows all; the transition guard
 * replaces it).
 *
 * <h2>Initial state</h2>
 * {@code toggles/<environment>.properties} ({@code dualwrite.toggles.environment}, default {@code default}; looked up
 * in {@code dualwrite.toggles.locations}) lists the phase a migration starts in: {@code customers-v2=OLD_ONLY}. It is
 * only used for a migration that has no stored state yet ({@link io.dualwrite.toggle.ToggleSeeder}); once stored, the
 * console is the only place the phase changes.
 */
package io.dualwrite.toggle;
