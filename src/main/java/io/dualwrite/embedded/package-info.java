/**
 * The in-process MongoDB server used when no {@code spring.mongodb.uri} is configured.
 * <p>
 * {@link io.dualwrite.embedded.EmbeddedMongoServer} runs one mongo-java-server per JVM, on 127.0.0.1 and a random
 * port, over {@link io.dualwrite.embedded.IdIndexedMemoryBackend}. That backend differs from mongo-java-server's
 * stock in-memory backend in one way only: a filter such as {@code {_id: x, version: v}} (the optimistic guard every
 * versioned write uses) takes its candidates from the {@code _id} index instead of scanning the collection, then
 * applies the whole filter as before. Without it a guarded write at 100,000 documents runs at about 30 per second.
 * <p>
 * {@link io.dualwrite.embedded.MongoUriEnvironmentPostProcessor} maps {@code MONGODB_URI} and the property Boot 4
 * no longer reads, {@code spring.data.mongodb.uri}, onto {@code spring.mongodb.uri};
 * {@link io.dualwrite.embedded.MongoPingHealthIndicator} checks MongoDB with {@code ping}, which the embedded server
 * understands (Boot's own check sends {@code hello}, which it does not).
 */
package io.dualwrite.embedded;
