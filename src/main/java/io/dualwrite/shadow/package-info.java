/**
 * Shadow reads: in the write-both phases a configurable sample of reads also reads the other shape and compares, off
 * the request's critical path. {@link io.dualwrite.shadow.ShadowReads} is the API (rate, statistics, recent
 * mismatches); {@link io.dualwrite.shadow.ShadowMismatchPublisher} and {@link io.dualwrite.shadow.SampleRateSource} are
 * the extension points; the rate is a Togglz feature per migration ({@link io.dualwrite.shadow.TogglzSampleRates}).
 */
package io.dualwrite.shadow;
