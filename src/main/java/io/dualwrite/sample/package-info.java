/**
 * The sample customers service: a REST API over {@link io.dualwrite.sample.Customer}s whose storage moves from the
 * legacy {@code users} collection ({@code name: "First Last"}, dates as ISO strings) to the {@code customers}
 * collection (separate name fields, nested contact, BSON dates) through the migration {@code customers-v2}, with zero
 * downtime. It is README's main example and the executable jar's main class; see {@code docs/sample.md}.
 */
package io.dualwrite.sample;
