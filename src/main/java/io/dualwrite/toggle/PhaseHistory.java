package io.dualwrite.toggle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import io.dualwrite.Phase;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phase changes the guard accepted, and the audit log of every request, in two MongoDB collections.
 * <p>
 * The <b>accepted phase</b> of a migration is one document, {@code {_id: migrationId, phase, revision, at, by}}. A
 * change is stored with a compare-and-set on {@code revision}, so of two requests made at once on two instances only
 * one can win. The shared Togglz state is written after it; an instance acts on the Togglz state only while it agrees
 * with the accepted phase, so a state written around the guard (straight into MongoDB, say) is reported as a conflict
 * and not acted upon.
 * <p>
 * The <b>audit log</b> holds one entry per request: accepted, refused, failed, or the adoption of the state an
 * instance found when no accepted phase existed yet (the seeded state from {@code toggles/}).
 */
public class PhaseHistory {

    private static final Logger log = LoggerFactory.getLogger(PhaseHistory.class);

    private static final String PHASE = "phase";

    private static final String REVISION = "revision";

    private static final String AT = "at";

    private static final String BY = "by";

    private final MongoCollection<Document> accepted;

    private final MongoCollection<Document> audit;

    private final Clock clock;

    /**
     * @param accepted the collection of accepted phases, one document per migration
     * @param audit the collection of audit entries
     * @param clock stamps every entry
     */
    public PhaseHistory(MongoCollection<Document> accepted, MongoCollection<Document> audit, Clock clock) {
        this.accepted = Objects.requireNonNull(accepted, "accepted");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            audit.createIndex(Indexes.compoundIndex(Indexes.ascending("migration"), Indexes.descending(AT)));
        }
        catch (RuntimeException ex) {
            log.warn("Could not create the index of the phase audit log: {}", ex.toString());
        }
    }

    /** The accepted phase of a migration, if a change was ever accepted or adopted. */
    public Optional<AcceptedPhase> accepted(String migrationId) {
        return Optional.ofNullable(accepted.find(Filters.eq("_id", migrationId)).first()).map(PhaseHistory::toAccepted);
    }

    /** The accepted phases of several migrations, in one query; migrations without one are absent. */
    public Map<String, AcceptedPhase> accepted(Collection<String> migrationIds) {
        Map<String, AcceptedPhase> result = new HashMap<>();
        for (Document document : accepted.find(Filters.in("_id", migrationIds))) {
            AcceptedPhase phase = toAccepted(document);
            result.put(phase.migrationId(), phase);
        }
        return result;
    }

    /**
     * Takes {@code phase} as the accepted phase of a migration that has none yet (the state seeded from
     * {@code toggles/}, found at startup), and records that in the audit log. When another instance adopted or
     * accepted a phase first, that one is returned.
     */
    public AcceptedPhase adopt(String migrationId, Phase phase, String why) {
        Instant now = clock.instant();
        try {
            accepted.insertOne(new Document("_id", migrationId).append(PHASE, phase.name()).append(REVISION, 0L)
                    .append(AT, Date.from(now)).append(BY, "dualwrite"));
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw ex;
            }
            return accepted(migrationId).orElseThrow(() -> ex);
        }
        record(new AuditEntry(migrationId, now, "dualwrite", "startup", null, phase, AuditEntry.Outcome.ADOPTED, why));
        return new AcceptedPhase(migrationId, phase, 0L, now, "dualwrite");
    }

    /**
     * Stores {@code to} as the accepted phase if the stored revision is still {@code expected}.
     *
     * @param expected the revision read before the change was checked; {@code null} when no phase was accepted yet
     * @return the new accepted phase, or empty when another change was stored first (nothing changed then)
     */
    public Optional<AcceptedPhase> compareAndSet(String migrationId, AcceptedPhase expected, Phase to, String by) {
        Instant now = clock.instant();
        if (expected == null) {
            try {
                accepted.insertOne(new Document("_id", migrationId).append(PHASE, to.name()).append(REVISION, 1L)
                        .append(AT, Date.from(now)).append(BY, by));
                return Optional.of(new AcceptedPhase(migrationId, to, 1L, now, by));
            }
            catch (MongoWriteException ex) {
                if (ex.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                    return Optional.empty();
                }
                throw ex;
            }
        }
        long revision = expected.revision() + 1;
        Bson filter = Filters.and(Filters.eq("_id", migrationId), Filters.eq(REVISION, expected.revision()));
        UpdateResult result = accepted.updateOne(filter, Updates.combine(Updates.set(PHASE, to.name()),
                Updates.set(REVISION, revision), Updates.set(AT, Date.from(now)), Updates.set(BY, by)));
        return result.getModifiedCount() == 1 ? Optional.of(new AcceptedPhase(migrationId, to, revision, now, by))
                : Optional.empty();
    }

    /** Appends an entry to the audit log; a failure to write it is logged, never thrown. */
    public void record(AuditEntry entry) {
        Document document = new Document("migration", entry.migrationId()).append(AT, Date.from(entry.at()))
                .append("user", entry.user()).append("via", entry.via())
                .append("from", entry.from() == null ? null : entry.from().name())
                .append("to", entry.to() == null ? null : entry.to().name())
                .append("outcome", entry.outcome().name()).append("reason", entry.reason());
        try {
            audit.insertOne(document);
        }
        catch (RuntimeException ex) {
            log.error("Could not write the audit entry {}", entry, ex);
        }
    }

    /** The latest audit entries of a migration, newest first. */
    public List<AuditEntry> recent(String migrationId, int limit) {
        List<AuditEntry> entries = new ArrayList<>();
        for (Document document : audit.find(Filters.eq("migration", migrationId)).sort(Sorts.descending(AT, "_id"))
                .limit(Math.max(1, limit))) {
            entries.add(toEntry(document));
        }
        return entries;
    }

    /** The latest audit entries of every migration, newest first. */
    public List<AuditEntry> recent(int limit) {
        List<AuditEntry> entries = new ArrayList<>();
        for (Document document : audit.find().sort(Sorts.descending(AT, "_id")).limit(Math.max(1, limit))) {
            entries.add(toEntry(document));
        }
        return entries;
    }

    /**
     * When the migration last entered {@code phase}: the latest accepted change to it, or its adoption at startup.
     * Empty when it never was in that phase as far as the audit log knows.
     */
    public Optional<Instant> lastEntered(String migrationId, Phase phase) {
        Document latest = audit.find(Filters.and(Filters.eq("migration", migrationId), Filters.eq("to", phase.name()),
                Filters.in("outcome", AuditEntry.Outcome.ACCEPTED.name(), AuditEntry.Outcome.ADOPTED.name())))
                .sort(Sorts.descending(AT, "_id")).first();
        return Optional.ofNullable(latest).map(document -> document.getDate(AT).toInstant());
    }

    /** When the migration last left {@code phase}: the latest accepted change from it. */
    public Optional<Instant> lastLeft(String migrationId, Phase phase) {
        Document latest = audit.find(Filters.and(Filters.eq("migration", migrationId), Filters.eq("from", phase.name()),
                Filters.eq("outcome", AuditEntry.Outcome.ACCEPTED.name()))).sort(Sorts.descending(AT, "_id")).first();
        return Optional.ofNullable(latest).map(document -> document.getDate(AT).toInstant());
    }

    /** The time this history stamps entries with. */
    public Instant now() {
        return clock.instant();
    }

    private static AcceptedPhase toAccepted(Document document) {
        String stored = document.getString(PHASE);
        Phase phase = null;
        for (Phase candidate : Phase.values()) {
            if (candidate.name().equals(stored)) {
                phase = candidate;
            }
        }
        Number revision = document.get(REVISION, Number.class);
        Date at = document.getDate(AT);
        return new AcceptedPhase(document.getString("_id"), phase, revision == null ? 0L : revision.longValue(),
                at == null ? null : at.toInstant(), document.getString(BY));
    }

    private static AuditEntry toEntry(Document document) {
        return new AuditEntry(document.getString("migration"), document.getDate(AT).toInstant(),
                document.getString("user"), document.getString("via"), phaseOrNull(document.getString("from")),
                phaseOrNull(document.getString("to")), AuditEntry.Outcome.valueOf(document.getString("outcome")),
                document.getString("reason"));
    }

    private static Phase phaseOrNull(String name) {
        if (name == null) {
            return null;
        }
        for (Phase phase : Phase.values()) {
            if (phase.name().equals(name)) {
                return phase;
            }
        }
        return null;
    }

    /**
     * The phase the guard last accepted for a migration.
     *
     * @param migrationId the migration
     * @param phase the accepted phase; {@code null} if the stored value is not a phase (edited by hand)
     * @param revision incremented by every accepted change
     * @param at when it was accepted
     * @param by who asked for it
     */
    public record AcceptedPhase(String migrationId, Phase phase, long revision, Instant at, String by) {
    }
}
