/**
 * Spring Data wiring of phased repositories: the factory bean (name it in {@code @EnableMongoRepositories} if your
 * application declares that annotation), the implementation, and finders derived from method names per shape.
 */
package io.dualwrite.repository.support;
