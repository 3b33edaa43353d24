/**
 * dualwrite's public API: declare a {@link io.dualwrite.Migration} (its old and new {@link io.dualwrite.ShapeDeclaration}),
 * and the {@link io.dualwrite.Phase} each instance acts on decides which shapes its repositories read and write.
 */
package io.dualwrite;
