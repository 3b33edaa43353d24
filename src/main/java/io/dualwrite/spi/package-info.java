/**
 * Extension points, each one to three methods: how the domain maps to a shape's documents
 * ({@link io.dualwrite.spi.DocumentMapping}), where an instance learns its phase ({@link io.dualwrite.spi.PhaseSource}),
 * and who is told when a second write did not apply ({@link io.dualwrite.spi.SecondWriteFailureHandler}).
 */
package io.dualwrite.spi;
