/**
 * The command line of an application that declares migrations: {@code copy}, {@code verify}, {@code status},
 * {@code pause}, {@code resume}, {@code cancel}, {@code rate} and {@code cleanup}, built on picocli, with a progress bar from the
 * progressbar library. {@link io.dualwrite.cli.DualWriteCommandLine} is the entry point a {@code main} method hands its
 * arguments to; {@link io.dualwrite.cli.ExitCodes} lists what the process returns. Everything else here is internal.
 */
package io.dualwrite.cli;
