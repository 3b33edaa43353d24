package io.dualwrite.internal;

import java.util.Date;

import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoCollection;

import io.dualwrite.SecondWriteFailure;
import io.dualwrite.spi.SecondWriteFailureHandler;

/**
 * The default {@link SecondWriteFailureHandler}: logs the failure and records it in a MongoDB collection (default
 * {@code dualwrite_repairs}) with {@code repaired: false}, where the repair job and the verifier find it. If the
 * record itself cannot be written (the database is unreachable), the log line is the remaining trace and the
 * verifier's comparison of the two shapes still finds the difference.
 */
public final class RecordingSecondWriteFailureHandler implements SecondWriteFailureHandler {

    private static final Logger log = LoggerFactory.getLogger(RecordingSecondWriteFailureHandler.class);

    private final MongoCollection<Document> repairs;

    public RecordingSecondWriteFailureHandler(MongoCollection<Document> repairs) {
        this.repairs = repairs;
    }

    @Override
    public void onSecondWriteFailure(SecondWriteFailure failure) {
        log.warn("Second write not applied: migration '{}', _id={}, {} shape, version {}: {} ({}); {}",
                failure.migrationId(), failure.entityId(), failure.shape().tag(), failure.version(), failure.kind(),
                failure.message(), failure.resolved() ? "settled by the write protocol" : "recorded for repair");
        try {
            repairs.insertOne(new Document("migration", failure.migrationId())
                    .append("entityId", failure.entityId())
                    .append("shape", failure.shape().tag())
                    .append("version", failure.version())
                    .append("kind", failure.kind().name())
                    .append("message", failure.message())
                    .append("at", Date.from(failure.at()))
                    .append("repaired", failure.resolved()));
        }
        catch (RuntimeException ex) {
            log.error("Could not record the failed second write of migration '{}' for _id={}; the verifier will "
                    + "report the difference", failure.migrationId(), failure.entityId(), ex);
        }
    }
}
