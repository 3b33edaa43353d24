/**
 * Operations over HTTP: the Actuator endpoints {@link io.dualwrite.actuate.DualWriteEndpoint} ({@code dualwrite}: the
 * full status of every migration, and phase changes through the guard) and
 * {@link io.dualwrite.actuate.DualWriteJobsEndpoint} ({@code dualwritejobs}: the copy and verification runs of every
 * migration, and control of the active one), the health contribution
 * {@link io.dualwrite.actuate.DualWriteHealthContributor} ({@code dualwrite}, one indicator per migration), and
 * {@link io.dualwrite.actuate.CsrfTokenController} ({@code GET /dualwrite/csrf}, the token scripts need to {@code POST}).
 * The endpoints sit behind dualwrite's admin login (see
 * {@link io.dualwrite.autoconfigure.DualWriteSecurityAutoConfiguration}).
 */
package io.dualwrite.actuate;
