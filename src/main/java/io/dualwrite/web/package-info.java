/**
 * The status page ({@code /dualwrite/status}): every migration's phase, the guard's allowed steps, instances, copier and
 * verifier progress, and the audit log, with buttons for the next and previous phase and for the copier. Behind
 * dualwrite's admin login (see {@link io.dualwrite.autoconfigure.DualWriteSecurityAutoConfiguration}).
 */
package io.dualwrite.web;
