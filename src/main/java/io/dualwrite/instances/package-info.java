/**
 * The instance registry: every running instance of the service reports, with a heartbeat into MongoDB, who it is and
 * the phase it acts on for each migration, so that the copier, the phase guard and cleanup can ask whether every live
 * instance has switched ({@link io.dualwrite.instances.InstanceRegistry#everyLiveInstance}).
 * <ul>
 * <li>{@link io.dualwrite.instances.InstanceRegistry}: the queries, the heartbeat write and deregistration.</li>
 * <li>{@link io.dualwrite.instances.LiveCheck} and {@link io.dualwrite.instances.InstanceStatus}: the answers.</li>
 * <li>{@link io.dualwrite.instances.LocalInstance}: this process (id, host, version, its phases).</li>
 * <li>{@link io.dualwrite.instances.InstanceHeartbeat}: the lifecycle bean that sends the heartbeats.</li>
 * </ul>
 */
package io.dualwrite.instances;
