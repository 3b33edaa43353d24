/**
 * Operations over HTTP: the Actuator endpoint {@link io.dualwrite.actuate.DualWriteJobsEndpoint} ({@code dualwritejobs}:
 * the copy and verification runs of every migration, and control of the active one) and
 * {@link io.dualwrite.actuate.CsrfTokenController} ({@code GET /dualwrite/csrf}, the token scripts need to {@code POST}).
 * Both sit behind dualwrite's admin login (see {@link io.dualwrite.autoconfigure.DualWriteSecurityAutoConfiguration}).
 */
package io.dualwrite.actuate;
