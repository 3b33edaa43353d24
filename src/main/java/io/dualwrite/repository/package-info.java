/**
 * {@link io.dualwrite.repository.PhasedRepository}: the Spring Data repository interface to extend instead of
 * {@code MongoRepository}.
 */
package io.dualwrite.repository;
