/**
 * Spring Boot auto-configuration of dualwrite and its one properties class, {@link io.dualwrite.autoconfigure.DualWriteProperties}
 * ({@code dualwrite.*}). Every bean backs off when the application declares its own.
 */
package io.dualwrite.autoconfigure;
